import express from 'express';
import type { Router } from 'express';
import type { Metrics } from '../metrics.ts';

/** `/healthz` (the process answers), `/readyz` (the store answers), `/metrics` (Prometheus). */
/** What `/readyz` asks: whether the store answers. */
export interface Readiness {
  readonly driver: string;
  ping(): Promise<void>;
}

export function createOperationsRouter(deps: { storage: Readiness; metrics: Metrics }): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await deps.storage.ping();
      res.json({ status: 'ready', storage: deps.storage.driver });
    } catch {
      res.status(503).json({ status: 'unavailable', storage: deps.storage.driver });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
