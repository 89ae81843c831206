/** The part of autocannon's API the bench uses (the package ships no types). */
declare module 'autocannon' {
  interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
  }
  interface AutocannonResult {
    requests: { total: number; average: number };
    throughput: { average: number; total: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  }
  export default function autocannon(opts: AutocannonOptions): Promise<AutocannonResult>;
}
