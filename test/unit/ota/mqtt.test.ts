import { describe, expect, it } from 'vitest';
import { PackageType, TaskStatus } from '../../../src/ota/codes.ts';
import {
  encodeInform,
  encodeInformReply,
  informReplyTopic,
  informTopic,
  mqttLogin,
  parseDeviceTopic,
  parseInform,
  parseInformReply,
} from '../../../src/ota/mqtt.ts';

describe('the MQTT flavour of the platform push (spec §5)', () => {
  it('names the inform topics under the device own $sys prefix', () => {
    expect(informTopic('238322', 'dev-1')).toBe('$sys/238322/dev-1/ota/inform');
    expect(informReplyTopic('238322', 'dev-1')).toBe('$sys/238322/dev-1/ota/inform_reply');
    expect(parseDeviceTopic('$sys/238322/dev-1/ota/inform_reply')).toEqual({
      productId: '238322',
      device: 'dev-1',
      kind: 'inform_reply',
    });
    expect(parseDeviceTopic('$sys/238322/dev-1/thing/property/post')?.kind).toBe('other');
    expect(parseDeviceTopic('other/topic')).toBeUndefined();
  });
  it('logs in with client id = device, username = product id, password = the token', () => {
    expect(mqttLogin('p1', 'dev-1', 'version=2018-10-31&res=x')).toEqual({
      clientId: 'dev-1',
      username: 'p1',
      password: 'version=2018-10-31&res=x',
    });
  });
  it('round-trips an inform with the task fields, and reads one that has only an id', () => {
    const text = encodeInform('a1', {
      target: 'V1.1',
      tid: 7,
      size: 10,
      md5: 'A'.repeat(32),
      status: TaskStatus.PENDING,
      type: PackageType.FULL,
    });
    const p = parseInform(Buffer.from(text));
    expect(p.ok && p.value.id).toBe('a1');
    expect(p.ok && p.value.task?.tid).toBe('7');
    expect(p.ok && p.value.task?.md5).toBe('a'.repeat(32));
    const bare = parseInform('{"id":"x"}');
    expect(bare.ok && bare.value.task).toBeUndefined();
    expect(parseInform('{"tid":1}').ok).toBe(false);
    expect(parseInform('not json').ok).toBe(false);
  });
  it('answers an inform with the same id, code 200 and msg success', () => {
    expect(JSON.parse(encodeInformReply('a1'))).toEqual({ id: 'a1', code: 200, msg: 'success' });
    const r = parseInformReply(encodeInformReply('a1'));
    expect(r.ok && r.value).toEqual({ id: 'a1', code: 200, msg: 'success' });
    expect(parseInformReply('{"id":"a1"}').ok).toBe(false);
  });
});
