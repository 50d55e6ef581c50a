// /metrics (Prometheus text), /healthz (the process runs), /readyz (it can
// grant leases: database reachable and configuration loaded).
import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics.ts';

export interface Probes {
  metrics: Metrics;
  ready(): boolean;
  live(): boolean;
}

export const startHttp = (where: { host: string; port: number }, probes: Probes): Promise<Server> => {
  const server = createServer((request, response) => {
    const status = (ok: boolean) => {
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      response.end(ok ? 'ok\n' : 'not ready\n');
    };
    if (request.url === '/metrics') {
      probes.metrics.registry.metrics().then((text) => {
        response.writeHead(200, { 'content-type': probes.metrics.registry.contentType });
        response.end(text);
      }, () => status(false));
    } else if (request.url === '/healthz') {
      status(probes.live());
    } else if (request.url === '/readyz') {
      status(probes.ready());
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve(server));
  });
};
