import type { EphemeralStore, Tenant } from '../../storage/ports.ts';
import { SYSTEM } from '../../audit/events.ts';
import type { AuditRecorder } from '../../audit/record.ts';
import type { Metrics } from '../../platform/metrics.ts';
import { samlConnectionOf } from '../saml/connection.ts';
import { daysUntil, describeCertificate } from '../saml/metadata.ts';

/** Days before expiry at which the tenant's audit trail is told, once each (docs/sign-in.md). */
export const EXPIRY_THRESHOLDS = [30, 7] as const;
/** Long enough that a threshold is not announced twice for one certificate. */
const ANNOUNCED_TTL = 60 * 86400;

export interface ExpiryDeps {
  readonly audit: AuditRecorder;
  readonly ephemeral: Pick<EphemeralStore, 'putIfAbsent'>;
  readonly metrics: Pick<Metrics, 'setCertificateExpiry'>;
}

/**
 * Sets the tenant's certificate-expiry gauge and records `connection.certificate_expiring` when a
 * signing certificate comes within 30, then 7, days of its notAfter — once per certificate and
 * threshold, only the nearest threshold crossed.
 */
export async function checkCertificateExpiry(
  deps: ExpiryDeps,
  tenant: Tenant,
  now = Date.now(),
): Promise<void> {
  const certificates = samlConnectionOf(tenant)?.idp.certificates ?? [];
  const described = certificates.map((pem) => {
    const cert = describeCertificate(pem);
    return { ...cert, daysLeft: daysUntil(cert.notAfter, now) };
  });
  deps.metrics.setCertificateExpiry(
    tenant.slug,
    described.length > 0 ? Math.min(...described.map((c) => c.daysLeft)) : null,
  );
  for (const cert of described) {
    const crossed = EXPIRY_THRESHOLDS.filter((t) => cert.daysLeft <= t);
    if (crossed.length === 0) continue;
    const nearest = Math.min(...crossed);
    // Mark every crossed threshold, announce only the nearest one not yet announced.
    const fresh = [];
    for (const threshold of crossed)
      if (
        await deps.ephemeral.putIfAbsent(
          `lifecycle:cert:${tenant.id}:${cert.fingerprint256}:${threshold}`,
          '1',
          ANNOUNCED_TTL,
        )
      )
        fresh.push(threshold);
    if (!fresh.includes(nearest)) continue;
    await deps.audit.event(SYSTEM, {
      type: 'connection.certificate_expiring',
      tenantId: tenant.id,
      target: { type: 'connection', id: `${tenant.id}:saml` },
      data: {
        kind: 'saml',
        fingerprint256: cert.fingerprint256,
        notAfter: cert.notAfter,
        daysLeft: cert.daysLeft,
        threshold: nearest,
      },
    });
  }
}
