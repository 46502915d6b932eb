// A tenant with callbacks, as the delivery worker and the non-delivery scan need it: its settings and
// its HMAC key, resolved from the configuration (config/callback-secrets.ts) once per version.
import type { TenantCallbacks } from '../../config/schema.ts';

export interface CallbackTenant {
  id: string;
  callbacks: TenantCallbacks;
  secret: string;
}
