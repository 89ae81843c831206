/** Management route of the demo data: reset the demo fleet to its start (for a rerun by hand). */
import { resetDemo } from '../demo.ts';
import type { ApiRoute } from './route.ts';
import { ok } from './route.ts';
import { notFound } from './views.ts';

/** The routes of this module. */
export const demoRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/demo/reset',
    body: 'json',
    handle(ctx) {
      const reset = resetDemo(ctx);
      if (!reset) throw notFound('no demo product (start serve with --seed-demo)');
      return ok(reset);
    },
  },
];
