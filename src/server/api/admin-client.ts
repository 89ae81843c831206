/**
 * A typed client of the reference server's management API (undici). Every method maps to one route;
 * an HTTP error becomes an `AdminApiError` (code ERR_EMBEDDED_SERVER) carrying the HTTP status and the
 * API's error code, with a message naming the route.
 */
import { Pool } from 'undici';
import { OtaFleetError } from '../../error-codes.ts';
import type {
  BatchInfo,
  BulkDevicesInput,
  CancelBatchInput,
  CreateBatchInput,
  CreateDeviceInput,
  CreatedDevices,
  CreatePackageInput,
  CreateProductInput,
  DeviceDetail,
  DeviceList,
  FaultsInfo,
  HealthInfo,
  PackageInfo,
  ProductInfo,
  StatsInfo,
  TaskInfo,
  TaskList,
  TaskStatusName,
  UploadPackageInput,
  VerificationInput,
  VerificationResult,
} from './types.ts';

/** A management API error: `status` is the HTTP status, `apiCode` the API's error code. */
export class AdminApiError extends OtaFleetError {
  readonly status: number;
  readonly apiCode: string;
  constructor(status: number, apiCode: string, message: string) {
    super('ERR_EMBEDDED_SERVER', message);
    this.status = status;
    this.apiCode = apiCode;
  }
}

const enc = encodeURIComponent;

function qs(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** Creates a client of the server at `url` (e.g. `http://127.0.0.1:8080`); call `close()` when done. */
export function createAdminClient(url: string, adminToken?: string, options: { timeoutMs?: number } = {}) {
  const timeout = options.timeoutMs ?? 60_000;
  const pool = new Pool(url, { connections: 4, headersTimeout: timeout, bodyTimeout: timeout });
  const auth: Record<string, string> = adminToken ? { authorization: `Bearer ${adminToken}` } : {};

  async function call<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    raw?: Buffer,
  ): Promise<T> {
    const headers: Record<string, string> = { ...auth };
    let payload: string | Buffer | undefined;
    if (raw !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      payload = raw;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Awaited<ReturnType<typeof pool.request>>;
    try {
      res = await pool.request({ method, path, headers, body: payload });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new AdminApiError(0, 'UNREACHABLE', `${method} ${path}: ${why}`);
    }
    const text = await res.body.text();
    let value: unknown;
    try {
      value = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      value = undefined;
    }
    if (res.statusCode >= 400) {
      const e = (value as { error?: { code?: string; message?: string } } | undefined)?.error;
      const code = e?.code ?? 'HTTP_ERROR';
      throw new AdminApiError(
        res.statusCode,
        code,
        `${method} ${path}: ${res.statusCode} ${code}: ${e?.message ?? text.slice(0, 200)}`,
      );
    }
    return value as T;
  }

  return {
    health: () => call<HealthInfo>('GET', '/api/health'),
    stats: () => call<StatsInfo>('GET', '/api/stats'),
    getFaults: () => call<FaultsInfo>('GET', '/api/faults'),
    setFaults: (faults: FaultsInfo) => call<FaultsInfo>('PUT', '/api/faults', faults),

    createProduct: (input: CreateProductInput = {}) => call<ProductInfo>('POST', '/api/products', input),
    listProducts: () => call<ProductInfo[]>('GET', '/api/products'),
    getProduct: (pid: string) => call<ProductInfo>('GET', `/api/products/${enc(pid)}`),

    createDevice: (pid: string, input: CreateDeviceInput) =>
      call<CreatedDevices>('POST', `/api/products/${enc(pid)}/devices`, input),
    createDevices: (pid: string, input: BulkDevicesInput) =>
      call<CreatedDevices>('POST', `/api/products/${enc(pid)}/devices`, input),
    listDevices: (pid: string, page: { offset?: number; limit?: number } = {}) =>
      call<DeviceList>('GET', `/api/products/${enc(pid)}/devices${qs(page)}`),
    getDevice: (pid: string, name: string) =>
      call<DeviceDetail>('GET', `/api/products/${enc(pid)}/devices/${enc(name)}`),

    createPackage: (pid: string, input: CreatePackageInput) =>
      call<PackageInfo>('POST', `/api/products/${enc(pid)}/packages`, input),
    uploadPackage: (pid: string, input: UploadPackageInput, bytes: Buffer) =>
      call<PackageInfo>(
        'POST',
        `/api/products/${enc(pid)}/packages/upload${qs({ ...input })}`,
        undefined,
        bytes,
      ),
    listPackages: (pid: string) => call<PackageInfo[]>('GET', `/api/products/${enc(pid)}/packages`),
    getPackage: (id: number) => call<PackageInfo>('GET', `/api/packages/${id}`),
    verifyPackage: (id: number, input: VerificationInput) =>
      call<VerificationResult>('POST', `/api/packages/${id}/verification`, input),

    createBatch: (packageId: number, input: CreateBatchInput) =>
      call<BatchInfo>('POST', `/api/packages/${packageId}/batches`, input),
    listBatches: (packageId: number) => call<BatchInfo[]>('GET', `/api/packages/${packageId}/batches`),
    getBatch: (id: number) => call<BatchInfo>('GET', `/api/batches/${id}`),
    /** Device tasks of a batch; `device` narrows to one device's task (ignores offset/limit). */
    listTasks: (
      id: number,
      filter: { status?: TaskStatusName; device?: string; offset?: number; limit?: number } = {},
    ) => call<TaskList>('GET', `/api/batches/${id}/tasks${qs(filter)}`),
    cancelBatch: (id: number, input: CancelBatchInput = {}) =>
      call<BatchInfo>('POST', `/api/batches/${id}/cancel`, input),
    getTask: (tid: number) => call<TaskInfo>('GET', `/api/tasks/${tid}`),
    cancelTask: (tid: number) => call<TaskInfo>('POST', `/api/tasks/${tid}/cancel`, {}),

    /** Closes the connection pool. */
    close: () => pool.close(),
  };
}

/** The typed management client. */
export type AdminClient = ReturnType<typeof createAdminClient>;
