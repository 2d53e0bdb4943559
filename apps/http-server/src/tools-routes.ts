import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, AppDeps, AuthResult } from './deps.js';
import './request-info.js';

/**
 * Tools over REST: `GET /v1/tools` lists them, `POST /v1/tools/{name}` calls one with the JSON
 * body as its arguments. Same auth as the API. A tool's own failure is a 200 with `isError: true`
 * (as over MCP: the hint is for the calling model); unknown tool 404, bad arguments 400 naming the field.
 */

/** The tool registry (`@exai/tools`) the app was given. */
export type ToolsLike = NonNullable<AppDeps['tools']>;

export interface ToolListing {
  name: string;
  title?: string;
  description: string;
  input_schema: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export type ArgumentsCheck = { ok: true } | { ok: false; status: 400 | 404; message: string; param: string };

export function toolsOf(deps: AppDeps): ToolsLike | undefined {
  return deps.tools;
}

export function listTools(tools: ToolsLike): ToolListing[] {
  return tools.list().map((tool) => ({
    name: tool.name,
    ...(tool.title ? { title: tool.title } : {}),
    description: tool.description,
    input_schema: tool.jsonSchema,
    ...(tool.annotations ? { annotations: { ...tool.annotations } } : {}),
  }));
}

/** Checks a tool exists and its arguments fit its schema, naming the first bad field. */
export function checkArguments(tools: ToolsLike, name: string, args: unknown): ArgumentsCheck {
  const tool = tools.list().find((candidate) => candidate.name === name);
  if (!tool) {
    const names = tools.list().map((candidate) => candidate.name);
    return {
      ok: false,
      status: 404,
      message: `Unknown tool "${name}". Available tools: ${names.join(', ')}`,
      param: 'name',
    };
  }
  const parsed = tool.inputSchema.safeParse(args);
  if (parsed.success) return { ok: true };
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') || 'arguments';
  return {
    ok: false,
    status: 400,
    message: `Invalid arguments for "${name}": ${path}: ${issue?.message ?? 'invalid value'}`,
    param: path,
  };
}

export function openAIError(status: number, message: string, code: string, param: string | null = null) {
  const type =
    status === 401 || status === 403
      ? 'authentication_error'
      : status === 429
        ? 'rate_limit_error'
        : status >= 500
          ? 'api_error'
          : 'invalid_request_error';
  return { error: { message, type, code, param } };
}

function deny(reply: FastifyReply, result: Exclude<AuthResult, { ok: true }>) {
  if (result.headers) reply.headers(result.headers);
  return reply.code(result.status).send(result.body);
}

/** An AbortSignal aborted when the client goes away before the answer is sent. */
export function hangUpSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}

export function mountTools(app: App, deps: AppDeps): void {
  // The app's onRequest hook has usually checked the key already (and rate-limited it); check here only when it has
  // not.
  const authorize = async (request: FastifyRequest): Promise<AuthResult> => {
    const known = request.exai?.keyId;
    const scope = request.exai?.scope;
    return known && scope
      ? { ok: true, keyId: known, scope }
      : deps.auth.check(request.headers, { remoteAddress: request.socket.remoteAddress });
  };
  const unavailable = (reply: FastifyReply) =>
    reply.code(404).send(openAIError(404, 'Tools are not enabled on this server', 'not_found'));

  app.get('/v1/tools', async (request, reply) => {
    const auth = await authorize(request);
    if (!auth.ok) return deny(reply, auth);
    const tools = toolsOf(deps);
    if (!tools) return unavailable(reply);
    return reply.send({ object: 'list', data: listTools(tools) });
  });

  app.post<{ Params: { name: string } }>('/v1/tools/:name', async (request, reply) => {
    const auth = await authorize(request);
    if (!auth.ok) return deny(reply, auth);
    const tools = toolsOf(deps);
    if (!tools) return unavailable(reply);
    const args: unknown = request.body ?? {};
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return reply
        .code(400)
        .send(openAIError(400, 'The request body must be a JSON object of tool arguments', 'bad_request', 'body'));
    }
    const name = request.params.name;
    const check = checkArguments(tools, name, args);
    if (!check.ok)
      return reply
        .code(check.status)
        .send(
          openAIError(check.status, check.message, check.status === 404 ? 'not_found' : 'bad_request', check.param),
        );
    const result = await tools.call(name, args, {
      signal: request.exaiSignal ?? hangUpSignal(reply),
      caller: auth.keyId,
      scope: auth.scope,
    });
    const meta = result.meta as { model?: string; provider?: string } | undefined;
    if (request.exai && meta?.model) request.exai.model = meta.model;
    if (request.exai && meta?.provider) request.exai.provider = meta.provider;
    return reply.send({
      content: result.content,
      structured: result.structured ?? null,
      isError: result.isError === true,
      meta: result.meta ?? null,
    });
  });
}
