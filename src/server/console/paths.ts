/** Paths of the web console; `/` is the page too, for a request that accepts text/html. */
export const CONSOLE_PATHS = {
  page: '/console/',
  script: '/console/app.js',
  style: '/console/app.css',
} as const;
