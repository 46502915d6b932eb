// What a routing dry run reports: for each recent routing input in the journal, the decision then and the
// decision a candidate configuration would make (POST /v1/routing/dry-run).
import type { JournalEntry } from './routing-journal.ts';

export interface DecisionSummary {
  accepted: boolean;
  ruleId: string;
  controller?: string;
  code?: string;
}

export interface DryRunItem {
  documentId: string;
  tenantId: string;
  operation: JournalEntry['operation'];
  at: string;
  changed: boolean;
  before: DecisionSummary;
  after: DecisionSummary;
}

export interface DryRunReport {
  currentVersion: string;
  candidateVersion: string;
  examined: number;
  changed: number;
  items: DryRunItem[];
}
