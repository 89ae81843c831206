import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/render-html.ts';
import { renderMarkdown } from '../../../src/report/render-markdown.ts';
import { renderText } from '../../../src/report/render-text.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

/** The example rollout in a 100-device fleet with two modules: 200 module tasks, 183 upgraded, 90 devices. */
function twoModuleFleet() {
  const s = createExampleSummary();
  s.rollout!.devices = { withTask: 100, upgraded: 90 };
  s.totals.devices.fullyUpgraded = 90;
  return s;
}

describe('counting a user can read', () => {
  it('labels module tasks and devices as separate figures, and attempts apart from final outcomes', () => {
    const text = renderText(twoModuleFleet());
    expect(text).toContain('module tasks upgraded 183/200 (91.5%)');
    expect(text).toContain(
      'devices upgraded 90/100 with a task (a device counts once every targeted module upgraded)',
    );
    expect(text).toMatch(/devices {4}booted \d+ · with a task \d+ · upgraded 90 \(every targeted module\)/);
    expect(text).toMatch(
      /tasks {6}final outcomes of module tasks: upgraded \d+ · failed \d+ · cancelled \d+ \(attempts: \d+ failed requests, \d+ retries\)/,
    );
    const md = renderMarkdown(twoModuleFleet());
    expect(md).toContain('module tasks upgraded **183/200** (91.5%), devices upgraded **90/100**');
    expect(md).toContain('Devices: **90** of 100 with a task upgraded');
    const html = renderHtml(twoModuleFleet());
    expect(html).toContain('Targeted tasks');
    expect(html).toContain('Devices upgraded');
  });
});
