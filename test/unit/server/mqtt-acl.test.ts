import { describe, expect, it } from 'vitest';
import { informReplyTopic, informTopic } from '../../../src/ota/mqtt.ts';
import { filterMatches, mayUseTopic } from '../../../src/server/mqtt/acl.ts';

describe('MQTT ACL', () => {
  it('lets a device use only topics under its own $sys/{pid}/{dev}/ prefix', () => {
    expect(mayUseTopic('p1', 'd1', informTopic('p1', 'd1'))).toBe(true);
    expect(mayUseTopic('p1', 'd1', informReplyTopic('p1', 'd1'))).toBe(true);
    expect(mayUseTopic('p1', 'd1', '$sys/p1/d1/#')).toBe(true);
    expect(mayUseTopic('p1', 'd1', informTopic('p1', 'd2'))).toBe(false);
    expect(mayUseTopic('p1', 'd1', informTopic('p2', 'd1'))).toBe(false);
    expect(mayUseTopic('p1', 'd1', '$sys/p1/d10/ota/inform')).toBe(false);
    expect(mayUseTopic('p1', 'd1', '$sys/p1/+/ota/inform')).toBe(false);
    expect(mayUseTopic('p1', 'd1', '$sys/#')).toBe(false);
    expect(mayUseTopic('p1', 'd1', '#')).toBe(false);
    expect(mayUseTopic('p1', 'd1', '$sys/p1/d1/')).toBe(false);
  });

  it('matches topic filters as MQTT 3.1.1 §4.7 does', () => {
    const topic = informTopic('p1', 'd1');
    expect(filterMatches(topic, topic)).toBe(true);
    expect(filterMatches('$sys/p1/d1/#', topic)).toBe(true);
    expect(filterMatches('$sys/p1/d1/ota/+', topic)).toBe(true);
    expect(filterMatches('$sys/p1/d1/ota/#', '$sys/p1/d1/ota')).toBe(true);
    expect(filterMatches('$sys/p1/d1/ota/+', informReplyTopic('p1', 'd1'))).toBe(true);
    expect(filterMatches(informReplyTopic('p1', 'd1'), topic)).toBe(false);
    expect(filterMatches('$sys/p1/d1/+', topic)).toBe(false);
    expect(filterMatches('$sys/p1/d1/ota/inform/x', topic)).toBe(false);
  });
});
