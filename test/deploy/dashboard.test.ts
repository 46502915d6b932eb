// The Grafana dashboard: valid JSON Grafana can import (data source as a variable, unique panel ids),
// every query on metrics the gateway exposes, and every kgw_ metric on some panel.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exposedMetricNames, metricsIn } from './metric-names.ts';

interface Panel { id: number; type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string }>; gridPos: { x: number; y: number; w: number; h: number } }
const FILE = path.resolve(import.meta.dirname, '../../deploy/grafana/kanta-gateway.json');

describe('deploy/grafana dashboard', () => {
  const dash = JSON.parse(readFileSync(FILE, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };

  it('imports into any Grafana: data source as a variable, unique ids, panels inside the 24-column grid', () => {
    expect(dash.uid).to.equal('kanta-gateway');
    expect(dash.templating.list.find((v) => v.name === 'datasource')?.type).to.equal('datasource');
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const p of dash.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).to.be.at.most(24);
      if (p.type !== 'row') expect(p.datasource?.uid, p.title).to.equal('${datasource}');
    }
  });

  it('queries only metrics the gateway exposes, and shows every kgw_ metric', async () => {
    const exposed = await exposedMetricNames();
    const used = new Set<string>();
    for (const p of dash.panels) {
      for (const t of p.targets ?? []) {
        const names = metricsIn(t.expr);
        expect(names, `${p.title}: ${t.expr}`).not.to.be.empty;
        for (const n of names) {
          expect(exposed.has(n), `${p.title} uses ${n}`).to.equal(true);
          used.add(n.replace(/_(bucket|sum|count)$/, ''));
        }
      }
    }
    const kgw = [...exposed].filter((n) => n.startsWith('kgw_') && !/_(bucket|sum|count)$/.test(n));
    for (const n of kgw) expect(used.has(n), `${n} is on the dashboard`).to.equal(true);
  });
});
