/**
 * The MQTT flavour of the platform push (spec §5), defined once for the broker of the reference server
 * and for the devices: topics, the login, the `ota/inform` message and its `inform_reply`. Imports only
 * `ota/`. Parsers never throw: they return the value or why it is not one.
 */
import type { PackageTypeValue } from './codes.ts';
import { type CheckTask, encodeCheckTask, type PayloadParse, parseCheckTask } from './payloads.ts';

/** The topic prefix a device may use, and only its own (`$sys/{pid}/{dev}/`). */
export function deviceTopicPrefix(productId: string, device: string): string {
  return `$sys/${productId}/${device}/`;
}

/** The topic the platform publishes a task notification to; the device subscribes to it. */
export function informTopic(productId: string, device: string): string {
  return `${deviceTopicPrefix(productId, device)}ota/inform`;
}

/** The topic the device answers an inform on. */
export function informReplyTopic(productId: string, device: string): string {
  return `${deviceTopicPrefix(productId, device)}ota/inform_reply`;
}

/** The `{pid, dev, kind}` of a device topic, or undefined for any other topic. */
export function parseDeviceTopic(
  topic: string,
): { productId: string; device: string; kind: 'inform' | 'inform_reply' | 'other' } | undefined {
  const parts = topic.split('/');
  if (parts.length < 4 || parts[0] !== '$sys' || !parts[1] || !parts[2]) return undefined;
  const rest = parts.slice(3).join('/');
  const kind = rest === 'ota/inform' ? 'inform' : rest === 'ota/inform_reply' ? 'inform_reply' : 'other';
  return { productId: parts[1], device: parts[2], kind };
}

/**
 * The MQTT login of a device (spec §5): client id = device name, username = product id, password = a
 * token of §2 for that device (device-level res with the device key, or product-level res).
 */
export interface MqttLogin {
  clientId: string;
  username: string;
  password: string;
}

/** Builds a device's MQTT login from its names and an already built §2 token. */
export function mqttLogin(productId: string, device: string, token: string): MqttLogin {
  return { clientId: device, username: productId, password: token };
}

/**
 * An `ota/inform` message. Clients read only `id` (the platform's other fields are not public); the
 * reference server adds the task's fields, as the check reply carries them.
 */
export interface Inform {
  id: string;
  task?: CheckTask;
}

/** The JSON text of an inform: a unique `id` and the task's fields. */
export function encodeInform(
  id: string,
  task?: {
    target: string;
    tid: number | string;
    size: number;
    md5: string;
    status: number;
    type: PackageTypeValue;
  },
): string {
  return JSON.stringify(task ? { id, ...encodeCheckTask(task) } : { id });
}

/** Parses an inform message (bytes or text): an `id` is required, the task fields are optional. */
export function parseInform(payload: Buffer | string): PayloadParse<Inform> {
  let v: unknown;
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, errno: 0, reason: 'inform is not JSON' };
  }
  const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  if (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > 64)
    return { ok: false, errno: 0, reason: 'inform without a string id (1-64 characters)' };
  const task = parseCheckTask(o);
  return { ok: true, value: task.ok ? { id: o.id, task: task.value } : { id: o.id } };
}

/** An `ota/inform_reply`: the same id, code 200, msg "success" (spec §5). */
export interface InformReply {
  id: string;
  code: number;
  msg: string;
}

/** The JSON text of a device's reply to inform `id`. */
export function encodeInformReply(id: string, code = 200, msg = 'success'): string {
  return JSON.stringify({ id, code, msg });
}

/** Parses an inform reply; the broker ignores (and counts) one that does not parse. */
export function parseInformReply(payload: Buffer | string): PayloadParse<InformReply> {
  let v: unknown;
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, errno: 0, reason: 'inform_reply is not JSON' };
  }
  const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  if (typeof o.id !== 'string' || o.id.length === 0)
    return { ok: false, errno: 0, reason: 'inform_reply without a string id' };
  if (typeof o.code !== 'number')
    return { ok: false, errno: 0, reason: 'inform_reply without a numeric code' };
  return { ok: true, value: { id: o.id, code: o.code, msg: typeof o.msg === 'string' ? o.msg : '' } };
}
