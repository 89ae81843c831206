/**
 * The broker's ACL, as pure functions: a device may publish and subscribe only under its own
 * `$sys/{pid}/{dev}/` prefix (spec §5), and the topic-filter match the inform push needs.
 */
import { deviceTopicPrefix } from '../../ota/mqtt.ts';

/** True when a device may publish to `topic` or subscribe to the filter `topic`: under its own prefix. */
export function mayUseTopic(productId: string, device: string, topic: string): boolean {
  const prefix = deviceTopicPrefix(productId, device);
  return topic.length > prefix.length && topic.startsWith(prefix);
}

/** MQTT 3.1.1 §4.7 filter match: `+` one level, `#` the rest (and the parent level). */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
