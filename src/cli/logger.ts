/** The run's pino logger: NDJSON into the report folder's run.log, warnings and errors also on stderr. */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Creates the logger of one run; call `flush()` before exit. */
export function createRunLogger(file: string, level: string): Logger {
  const streams: pino.StreamEntry[] = [
    { level: level as pino.Level, stream: pino.destination({ dest: file, mkdir: true, sync: false }) },
    {
      level: 'warn',
      stream: pretty({ destination: 2, colorize: Boolean(process.stderr.isTTY), sync: true }),
    },
  ];
  return pino({ level, base: { pid: process.pid } }, pino.multistream(streams));
}
