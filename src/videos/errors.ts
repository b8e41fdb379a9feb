/**
 * OpenAI-shaped errors: `{ error: { message, type, param, code } }` with the HTTP status the
 * official clients map to their error classes (400 BadRequestError, 401 AuthenticationError, 404
 * NotFoundError, 413, 503 …). Thrown inside the handler, written once at its edge.
 */

export type OpenAiErrorType = 'invalid_request_error' | 'server_error';

export interface OpenAiErrorBody {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
}

export class VideosHttpError extends Error {
  override readonly name = 'VideosHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly type: OpenAiErrorType = status >= 500 ? 'server_error' : 'invalid_request_error',
  ) {
    super(message);
  }

  body(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 about one request field: what was sent is wrong, and the message says what is accepted. */
export function badParam(param: string, message: string, code = 'invalid_value'): VideosHttpError {
  return new VideosHttpError(400, message, code, param);
}

export function notFound(id: string, why = 'no such video'): VideosHttpError {
  return new VideosHttpError(404, `${why}: ${id}`, 'not_found', 'id');
}
