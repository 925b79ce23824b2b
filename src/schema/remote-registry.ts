/**
 * A Confluent-compatible schema registry over HTTP (Confluent, Karapace, Redpanda, Apicurio
 * at /apis/ccompat/v7), through `@kafkajs/confluent-schema-registry`'s API client (its
 * retries, basic auth and error middleware), with the same contract as the embedded one.
 *
 * Compatibility is decided here, before anything is registered, by the same checker the
 * embedded registry uses, against the versions the registry holds under the level it
 * reports: so a refused change fails a module's start with one line per field and its fix,
 * not a registry's terse 409. The registry still checks again on register (it is the
 * authority when two writers race); its refusal is reported with both explanations.
 */
import { createRequire } from 'node:module';
import { FastdataError, errorMessage } from '../errors.js';
import { parseAvroSchema, type ParsedSchema } from './avro.js';
import { checkAgainstVersion, checkCompatibility, type SchemaVersion } from './compatibility.js';
import { checkSubject } from './subject.js';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, type CompatibilityResult, type RegisteredSchema, type SchemaInput, type SchemaRegistry } from './types.js';

// The package's API client (the resources above its SchemaRegistry class); CommonJS only.
const require = createRequire(import.meta.url);
type ApiResponse = { data<T = unknown>(): T; status(): number };
type ApiCall = (params: Record<string, unknown>) => Promise<ApiResponse>;
interface ApiClient {
  Schema: { find: ApiCall };
  Subject: Record<'all' | 'latestVersion' | 'version' | 'registered' | 'config' | 'updateConfig' | 'register' | 'compatible', ApiCall>;
}
const createApiClient = (require('@kafkajs/confluent-schema-registry/dist/api/index.js') as { default: (args: object) => ApiClient }).default;

export interface RemoteRegistryOptions {
  /** Base URL of the Confluent-compatible API, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
  url: string;
  /** HTTP basic auth (Confluent Cloud: API key and secret). */
  auth?: { username: string; password: string };
  clientId?: string;
  /** Retries of a failed request (the client backs off exponentially). Default 3. */
  retries?: number;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** What the client's error middleware throws: the HTTP status and the registry's message. */
function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

export class RemoteSchemaRegistry implements SchemaRegistry {
  private readonly api: ApiClient;
  private readonly url: string;
  private readonly auth: RemoteRegistryOptions['auth'];
  /** Schemas by global id never change: one request per id. */
  private readonly byId = new Map<number, string>();

  constructor(options: RemoteRegistryOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new FastdataError('FD_CONFIG_INVALID', `registry.url ${JSON.stringify(options.url)} is not a URL; use e.g. http://127.0.0.1:8081 (Apicurio: http://host:8080/apis/ccompat/v7)`, {
        context: { field: 'registry.url' },
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new FastdataError('FD_CONFIG_INVALID', `registry.url must be http:// or https://, got ${url.protocol}`, { context: { field: 'registry.url' } });
    }
    // Credentials written into the URL become the basic auth, and leave the URL: it appears in messages and logs.
    let auth = options.auth;
    if (url.username !== '' || url.password !== '') {
      auth ??= { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      url.username = '';
      url.password = '';
    }
    this.url = url.toString().replace(/\/+$/, '');
    this.auth = auth;
    this.api = createApiClient({
      host: this.url,
      clientId: options.clientId ?? 'fastdata',
      retry: { retries: options.retries ?? 3 },
      ...(auth ? { auth } : {}),
    });
  }

  async register(subject: string, schema: SchemaInput): Promise<RegisteredSchema> {
    checkSubject(subject);
    const parsed = parseAvroSchema(schema, { subject });
    const existing = await this.lookup(subject, parsed.canonical);
    if (existing) return existing;
    const { level, result } = await this.check(subject, parsed);
    if (!result.compatible) throw incompatible(subject, level, result.messages);
    try {
      await this.call(() => this.api.Subject.register({ subject, body: { schemaType: 'AVRO', schema: parsed.canonical } }), `register a schema under "${subject}"`);
    } catch (error) {
      if (isFastdataError409(error)) throw incompatible(subject, level, [`the registry refused it: ${(error as Error).message}`]);
      throw error;
    }
    const registered = await this.lookup(subject, parsed.canonical);
    if (!registered) throw new FastdataError('FD_REGISTRY_UNAVAILABLE', `the registry at ${this.url} accepted a schema under "${subject}" but does not find it: check that it is Confluent-compatible`);
    return registered;
  }

  async getSchemaById(id: number): Promise<string> {
    const cached = this.byId.get(id);
    if (cached !== undefined) return cached;
    const data = await this.call(() => this.api.Schema.find({ id }), `read schema id ${id}`, { 404: () => new FastdataError('FD_SCHEMA_NOT_FOUND', `no schema with id ${id} in the registry ${this.url}`, { context: { id } }) });
    const schema = parseAvroSchema((data as { schema: string }).schema, { id }).canonical;
    this.byId.set(id, schema);
    return schema;
  }

  async getLatest(subject: string): Promise<RegisteredSchema> {
    checkSubject(subject);
    const data = await this.call(() => this.api.Subject.latestVersion({ subject }), `read the latest version of "${subject}"`, { 404: () => subjectNotFound(subject) });
    return this.registered(subject, data);
  }

  async getVersion(subject: string, version: number): Promise<RegisteredSchema> {
    checkSubject(subject);
    if (!Number.isInteger(version) || version < 1) throw new FastdataError('FD_ARGUMENT_INVALID', `version ${version} is not a version number (1, 2, ...)`, { context: { field: 'version' } });
    try {
      return this.registered(subject, await this.call(() => this.api.Subject.version({ subject, version }), `read version ${version} of "${subject}"`));
    } catch (error) {
      if (statusOf((error as FastdataError).cause) !== 404) throw error;
      const versions = await this.listVersions(subject); // FD_SUBJECT_NOT_FOUND when that is what is missing
      throw new FastdataError('FD_VERSION_NOT_FOUND', `subject "${subject}" has no version ${version} (its versions: ${versions.join(', ')})`, { context: { subject, version } });
    }
  }

  async lookup(subject: string, schema: SchemaInput): Promise<RegisteredSchema | undefined> {
    checkSubject(subject);
    const { canonical } = parseAvroSchema(schema, { subject });
    try {
      const data = await this.call(() => this.api.Subject.registered({ subject, body: { schemaType: 'AVRO', schema: canonical } }), `look up a schema under "${subject}"`);
      return this.registered(subject, data);
    } catch (error) {
      if (statusOf((error as FastdataError).cause) === 404) return undefined;
      throw error;
    }
  }

  async listSubjects(): Promise<string[]> {
    const subjects = await this.call(() => this.api.Subject.all({}), 'list subjects');
    return (subjects as string[]).slice().sort();
  }

  async listVersions(subject: string): Promise<number[]> {
    checkSubject(subject);
    const versions = await this.http('GET', `/subjects/${encodeURIComponent(subject)}/versions`, undefined, { 404: () => subjectNotFound(subject) });
    return (versions as number[]).slice().sort((a, b) => a - b);
  }

  async checkCompatibility(subject: string, schema: SchemaInput, version?: number | 'latest'): Promise<CompatibilityResult> {
    checkSubject(subject);
    const parsed = parseAvroSchema(schema, { subject });
    if (version === undefined) return (await this.check(subject, parsed)).result;
    const target = version === 'latest' ? await this.getLatest(subject) : await this.getVersion(subject, version);
    const level = await this.getCompatibility(subject);
    const messages = checkAgainstVersion(parsed.type, { version: target.version, type: parseAvroSchema(target.schema).type }, level);
    return { compatible: messages.length === 0, messages };
  }

  async getCompatibility(subject?: string): Promise<CompatibilityLevel> {
    // defaultToGlobal: the level that applies, whether the subject has its own or not.
    if (subject === undefined) return toLevel(await this.http('GET', '/config'));
    checkSubject(subject);
    try {
      return toLevel(await this.call(() => this.api.Subject.config({ subject, defaultToGlobal: true }), `read the compatibility level of "${subject}"`));
    } catch (error) {
      // 40408: no level of its own (a registry without defaultToGlobal): the global one applies.
      if (statusOf((error as FastdataError).cause) === 404) return toLevel(await this.http('GET', '/config'));
      throw error;
    }
  }

  async setCompatibility(level: CompatibilityLevel, subject?: string): Promise<void> {
    if (!COMPATIBILITY_LEVELS.includes(level)) {
      throw new FastdataError('FD_COMPATIBILITY_INVALID', `compatibility ${JSON.stringify(level)} is not one of ${COMPATIBILITY_LEVELS.join(', ')}`, { context: { field: 'compatibility' } });
    }
    if (subject === undefined) await this.http('PUT', '/config', { compatibility: level });
    else await this.call(() => this.api.Subject.updateConfig({ subject, body: { compatibility: level } }), `set the compatibility level of "${subject}"`);
  }

  async close(): Promise<void> {
    this.byId.clear();
  }

  /** The level, and the check of `parsed` against what registering it would be checked against. */
  private async check(subject: string, parsed: ParsedSchema): Promise<{ level: CompatibilityLevel; result: CompatibilityResult }> {
    const level = await this.getCompatibility(subject);
    let versions: number[];
    try {
      versions = await this.listVersions(subject);
    } catch (error) {
      if ((error as FastdataError).code === 'FD_SUBJECT_NOT_FOUND') return { level, result: { compatible: true, messages: [] } };
      throw error;
    }
    // Only the versions the level looks at are fetched (the latest, or all for _TRANSITIVE).
    const wanted = level.endsWith('_TRANSITIVE') ? versions : versions.slice(-1);
    const existing: SchemaVersion[] = [];
    for (const version of level === 'NONE' ? [] : wanted) {
      const registered = await this.getVersion(subject, version);
      existing.push({ version, type: parseAvroSchema(registered.schema).type });
    }
    return { level, result: checkCompatibility(parsed.type, existing, level) };
  }

  private registered(subject: string, data: unknown): RegisteredSchema {
    const d = data as { version: number; id: number; schema: string };
    const schema = parseAvroSchema(d.schema, { subject }).canonical;
    this.byId.set(d.id, schema);
    return { subject, version: d.version, id: d.id, schema };
  }

  /** One call through the API client, its failure as a FastdataError (`cause` keeps the HTTP status). */
  private async call(request: () => Promise<ApiResponse>, what: string, onStatus: Record<number, () => Error | undefined> = {}): Promise<unknown> {
    try {
      return (await request()).data();
    } catch (error) {
      throw this.failure(error, what, onStatus);
    }
  }

  /** The endpoints the API client has no resource for (version lists, the global level). */
  private async http(method: 'GET' | 'PUT', path: string, body?: unknown, onStatus: Record<number, () => Error | undefined> = {}): Promise<unknown> {
    const headers: Record<string, string> = { accept: CONTENT_TYPE };
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.auth) headers.authorization = `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, { method, headers, signal: AbortSignal.timeout(30_000), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (error) {
      throw this.failure(error, `${method} ${path}`, onStatus);
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw this.failure(Object.assign(new Error(message), { status: response.status }), `${method} ${path}`, onStatus);
    }
    return text === '' ? undefined : JSON.parse(text);
  }

  private failure(error: unknown, what: string, onStatus: Record<number, () => Error | undefined>): Error {
    const status = statusOf(error);
    const mapped = status !== undefined ? onStatus[status]?.() : undefined;
    if (mapped) return mapped;
    if (status === 401 || status === 403) {
      return new FastdataError('FD_REGISTRY_UNAVAILABLE', `the registry at ${this.url} refused to ${what} (HTTP ${status}): check registry.auth`, { cause: error, context: { field: 'registry.auth' } });
    }
    if (status === 422) return new FastdataError('FD_SCHEMA_INVALID', `the registry at ${this.url} refused to ${what}: ${errorMessage(error)}`, { cause: error });
    if (status === 409) return new FastdataError('FD_SCHEMA_INCOMPATIBLE', `the registry at ${this.url} refused to ${what}: ${errorMessage(error)}`, { cause: error });
    return new FastdataError('FD_REGISTRY_UNAVAILABLE', `cannot ${what} at the registry ${this.url}: ${errorMessage(error)}; check registry.url and that the registry runs`, {
      cause: error,
      context: { field: 'registry.url', ...(status !== undefined ? { status } : {}) },
    });
  }
}

function isFastdataError409(error: unknown): boolean {
  return (error as FastdataError)?.code === 'FD_SCHEMA_INCOMPATIBLE';
}

function toLevel(data: unknown): CompatibilityLevel {
  const d = data as { compatibilityLevel?: string; compatibility?: string } | undefined;
  const level = (d?.compatibilityLevel ?? d?.compatibility ?? 'BACKWARD').toUpperCase();
  return (COMPATIBILITY_LEVELS as readonly string[]).includes(level) ? (level as CompatibilityLevel) : 'BACKWARD';
}

function subjectNotFound(subject: string): FastdataError {
  return new FastdataError('FD_SUBJECT_NOT_FOUND', `subject "${subject}" not found`, { context: { subject } });
}

function incompatible(subject: string, level: CompatibilityLevel, messages: string[]): FastdataError {
  return new FastdataError('FD_SCHEMA_INCOMPATIBLE', `Schema being registered is incompatible with an earlier schema for subject "${subject}" (compatibility ${level}): ${messages.join('; ')}`, {
    context: { subject, level, messages },
  });
}
