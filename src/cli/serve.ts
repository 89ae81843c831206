/**
 * `ota-fleet serve`: runs the reference OTA server in the foreground until SIGINT/SIGTERM. Prints the
 * URL and admin token on stdout, logs with pino to stderr: pretty lines on a terminal, NDJSON when
 * stdout or stderr is not a terminal (or with `--log-format json`). Never calls process.exit.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Argv, CommandModule } from 'yargs';
import { OtaFleetError } from '../error-codes.ts';
import {
  CANCELLED_STATUSES,
  type CancelledStatus,
  type DownloadingOn,
  NO_TASK_ERRNOS,
  type NoTaskErrno,
  type OtaServerOptions,
  type ServerLogLevel,
} from '../server/config.ts';
import { applyFaultFlag, type FaultConfig } from '../server/faults.ts';
import { type OtaServer, startOtaServer } from '../server/server.ts';
import { interruptSignal } from './interrupt.ts';

/** Flags of `ota-fleet serve`, as yargs hands them over. */
export interface ServeArgs {
  port: number;
  host: string;
  data?: string;
  dialect: 'studio' | 'fuse';
  'no-task-errno': NoTaskErrno;
  'cancelled-status': CancelledStatus;
  'downloading-on': DownloadingOn;
  'seed-demo': boolean;
  'no-seed-demo'?: boolean;
  'admin-token'?: string;
  fault?: string[];
  'log-level': ServerLogLevel;
  'cors-origin'?: string;
  'demo-bandwidth': number;
  'reset-demo': boolean;
  'log-format': LogFormatChoice;
  'mqtt-port'?: number;
  'mqtt-host'?: string;
}

/** `--log-format`: `auto` is pretty on a terminal, NDJSON otherwise. */
export type LogFormatChoice = 'auto' | 'pretty' | 'json';

/** Which terminals the process writes to. */
export interface Terminals {
  stdout: boolean;
  stderr: boolean;
}

/** The log format `choice` means here: `auto` is pretty only when stdout and stderr are terminals. */
export function resolveLogFormat(
  choice: LogFormatChoice,
  tty: Terminals = { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
): 'pretty' | 'json' {
  if (choice !== 'auto') return choice;
  return tty.stdout && tty.stderr ? 'pretty' : 'json';
}

/**
 * The server's parent logger: NDJSON (pid on each line) or pino-pretty lines, to `destination`
 * (default stderr), synchronous so nothing is lost on exit.
 */
export function createServeLogger(
  format: 'pretty' | 'json',
  level: ServerLogLevel,
  destination: NodeJS.WritableStream | number = 2,
): Logger {
  if (format === 'json') {
    const stream =
      typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
    return pino({ level, base: { pid: process.pid } }, stream);
  }
  const stream = pretty({
    destination,
    sync: true,
    colorize: typeof destination === 'number' && process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return pino({ level, base: { pid: process.pid } }, stream);
}

/** Maps the flags to server options; throws OtaFleetError ERR_USAGE on a bad --fault. */
export function serveOptions(args: ServeArgs): OtaServerOptions {
  let faults: FaultConfig = {};
  for (const flag of args.fault ?? []) {
    const next = applyFaultFlag(faults, flag);
    if (typeof next === 'string') throw new OtaFleetError('ERR_USAGE', next);
    faults = next;
  }
  const options: OtaServerOptions = {
    port: args.port,
    host: args.host,
    dialect: args.dialect,
    noTaskErrno: args['no-task-errno'],
    cancelledStatus: args['cancelled-status'],
    downloadingOn: args['downloading-on'],
    seedDemo: args['seed-demo'] && args['no-seed-demo'] !== true,
    faults,
    logLevel: args['log-level'],
    demoBandwidth: args['demo-bandwidth'],
  };
  if (args['reset-demo']) options.resetDemo = true;
  if (args.data !== undefined) options.dataFile = args.data;
  if (args['admin-token'] !== undefined) options.adminToken = args['admin-token'];
  if (args['cors-origin'] !== undefined) options.corsOrigin = args['cors-origin'];
  if (args['mqtt-port'] !== undefined) options.mqttPort = args['mqtt-port'];
  if (args['mqtt-host'] !== undefined) options.mqttHost = args['mqtt-host'];
  return options;
}

// Where a wildcard bind really listens, and the address this machine reaches it at.
const WILDCARDS: Readonly<Record<string, string>> = {
  '0.0.0.0': 'every IPv4 interface',
  '::': 'every interface',
};

function listeningOn(server: Pick<OtaServer, 'url' | 'host' | 'port'>): string {
  const all = WILDCARDS[server.host];
  if (all === undefined) return server.url;
  const bound = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `http://${bound}:${server.port} (${all}; from this machine ${server.url})`;
}

/** The lines `serve` prints on stdout once listening. */
export function renderServeBanner(
  server: Pick<OtaServer, 'url' | 'host' | 'port' | 'adminToken' | 'options' | 'demo'> & {
    mqttUrl?: string | undefined;
  },
): string {
  const lines = [
    `ota-fleet reference OTA server listening on ${listeningOn(server)} (${server.options.dialect} dialect)`,
    `admin token: ${server.adminToken}`,
    `data: ${server.options.dataFile === ':memory:' ? 'in memory (lost on exit; use --data FILE to keep it)' : server.options.dataFile}`,
  ];
  if (server.mqttUrl !== undefined) {
    lines.push(`mqtt: ${server.mqttUrl} (MQTT 3.1.1 broker for the ota/inform push)`);
  }
  if (server.demo) {
    const d = server.demo;
    lines.push(
      `demo: product ${d.productId} (accessKey ${d.accessKey}), ${d.devices} devices dev-001..dev-100 at V1.0, package ${d.packageId} (V1.1, verified)`,
    );
    const rate = server.options.demoBandwidth;
    lines.push(
      `demo: downloads ${rate > 0 ? `paced at ${rate} bytes/s per request (--demo-bandwidth 0: full speed)` : 'at full speed'}; reset the demo fleet with POST /api/demo/reset or --reset-demo`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the server until `signal` aborts; writes the banner to `out`. Called by the command and by tests. */
export async function runServe(
  options: OtaServerOptions,
  signal: AbortSignal = interruptSignal,
  out: (text: string) => void = (t) => void process.stdout.write(t),
  logFormat: LogFormatChoice = 'auto',
): Promise<void> {
  const logger = createServeLogger(resolveLogFormat(logFormat), options.logLevel ?? 'info');
  const server = await startOtaServer({ ...options, logger });
  out(renderServeBanner(server));
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
}

function builder(y: Argv) {
  return (
    y
      // `--no-task-errno 10` is a value flag, not the negation of `--task-errno`.
      .parserConfiguration({ 'boolean-negation': false })
      .option('port', { type: 'number', default: 8080, describe: 'TCP port (0 = any free port)' })
      .option('host', {
        type: 'string',
        default: '127.0.0.1',
        describe: 'interface to bind (beyond loopback the admin token is required)',
      })
      .option('mqtt-port', {
        type: 'number',
        describe:
          'run the MQTT broker of the ota/inform push on this port (0 = any free port); off unless given',
      })
      .option('mqtt-host', { type: 'string', describe: 'interface the MQTT broker binds (default: --host)' })
      .option('data', { type: 'string', describe: 'SQLite file to keep state in (default: in memory)' })
      .option('dialect', {
        choices: ['studio', 'fuse'] as const,
        default: 'studio' as const,
        describe: 'reply body dialect',
      })
      .option('no-task-errno', {
        choices: NO_TASK_ERRNOS,
        type: 'number',
        default: NO_TASK_ERRNOS[0],
        describe: 'errno of "no upgrade task"',
      })
      .option('cancelled-status', {
        choices: CANCELLED_STATUSES,
        type: 'number',
        default: CANCELLED_STATUSES[0],
        describe: 'status a cancelled task reads back as',
      })
      .option('downloading-on', {
        choices: ['either', 'download', 'progress'] as const,
        default: 'either' as const,
        describe: 'when pending becomes downloading: first download, first progress report, or either',
      })
      .option('seed-demo', {
        type: 'boolean',
        default: true,
        describe: 'create product "demo", 100 devices and a package when absent',
      })
      .option('no-seed-demo', { type: 'boolean', describe: 'do not create the demo data' })
      .option('admin-token', {
        type: 'string',
        describe: 'management API token (default: stored in --data, else random)',
      })
      .option('cors-origin', {
        type: 'string',
        describe:
          'one other web origin allowed to call the management API, with CORS headers (e.g. http://localhost:5173)',
      })
      .option('demo-bandwidth', {
        type: 'number',
        default: 2048,
        describe:
          'bytes per second each download of a demo device is sent at, so a rollout by hand takes minutes (0 = full speed)',
      })
      .option('reset-demo', {
        type: 'boolean',
        default: false,
        describe: 'reset the demo fleet at start: its batches and tasks removed, devices back to V1.0',
      })
      .option('log-format', {
        choices: ['auto', 'pretty', 'json'] as const,
        default: 'auto' as const,
        describe: 'auto: pretty lines on a terminal, NDJSON otherwise',
      })
      .option('fault', {
        type: 'string',
        array: true,
        describe: 'fault injection CALL.KEY=VALUE, e.g. download.truncateRate=0.1 (repeatable)',
      })
      .option('log-level', {
        choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
        default: 'info' as const,
        describe: 'log level (stderr)',
      })
      .example('$0 serve', 'serve on 127.0.0.1:8080 with demo data, in memory')
      .example(
        '$0 serve --data ota.db --no-seed-demo --fault check.latencyMs=50',
        'persistent, 50 ms added to every check',
      )
  );
}

/** The yargs command module of `ota-fleet serve`. */
export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the reference OneNET Studio OTA server (device API + management API) until Ctrl-C',
  builder: builder as unknown as CommandModule<object, ServeArgs>['builder'],
  handler: (args) => runServe(serveOptions(args), interruptSignal, undefined, args['log-format']),
};
