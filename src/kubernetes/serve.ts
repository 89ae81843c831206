/**
 * Manifests for `ota-fleet serve` as a rehearsal target inside the cluster (pure): a Deployment of one
 * replica (SQLite is one writer) on a PersistentVolumeClaim, and a Service in front of it. The admin
 * token comes from a Secret the user creates; the args use Kubernetes' `$(ADMIN_TOKEN)` expansion.
 */
import type { KubeObject } from './manifests.ts';

/** Port the server listens on in its pod and the Service exposes. */
export const SERVE_PORT = 8080;

/** Options of `renderServe`. */
export interface ServeManifestOptions {
  image: string;
  namespace: string;
  /** Name of the Deployment, Service and claim (default `ota-fleet-serve`). */
  name?: string;
  /** Secret with key `admin-token`. */
  secretName: string;
  /** Size of the data claim, e.g. `1Gi`. */
  dataSize?: string;
}

/** The PersistentVolumeClaim, Deployment and Service of a reference server reachable in the cluster. */
export function renderServe(o: ServeManifestOptions): KubeObject[] {
  const name = o.name ?? 'ota-fleet-serve';
  const labels = { 'app.kubernetes.io/name': 'ota-fleet', 'app.kubernetes.io/component': 'serve' };
  const ns = o.namespace;
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: `${name}-data`, namespace: ns, labels },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.dataSize ?? '1Gi' } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 1,
        // one SQLite file, one writer: never two pods on it, even during a rollout
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'serve',
                image: o.image,
                args: [
                  'serve',
                  '--host',
                  '0.0.0.0',
                  '--port',
                  String(SERVE_PORT),
                  '--data',
                  '/data/ota.db',
                  '--admin-token',
                  '$(ADMIN_TOKEN)',
                  '--no-seed-demo',
                  '--log-format',
                  'json',
                ],
                env: [
                  {
                    name: 'ADMIN_TOKEN',
                    valueFrom: { secretKeyRef: { name: o.secretName, key: 'admin-token' } },
                  },
                ],
                ports: [{ name: 'http', containerPort: SERVE_PORT }],
                readinessProbe: { tcpSocket: { port: 'http' }, periodSeconds: 5 },
                resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '2Gi' } },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: SERVE_PORT, targetPort: 'http' }] },
    },
  ];
}
