// The JSON body parser of the API: Fastify's own (prototype-poisoning safe, size-limited), except
// that an empty body with `content-type: application/json` is read as `{}`. Action endpoints
// (cancel, pause, resume) take optional fields only, and clients such as `curl -X POST -H
// 'content-type: application/json'` send no body at all; Fastify would answer 400 "Body cannot be
// empty". Endpoints that need fields still reject `{}` through their zod schema.
import { type FastifyInstance } from 'fastify';
import { HttpError } from './http-errors';

/** The lower-cased `charset` parameter of a Content-Type header (RFC 9110 §8.3.1), if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return undefined;
}

/** Replaces the `application/json` parser of `app`. Call before routes are registered. */
export function useJsonBodyParser(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // RFC 8259 §8.1: JSON between systems is UTF-8. Another declared charset would be decoded as
    // UTF-8 anyway and read as something else than what was sent: refuse it (415).
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(
        new HttpError(
          415,
          'unsupported-media-type',
          `charset ${charset.slice(0, 40)} is not supported: send UTF-8 JSON`,
        ),
        undefined,
      );
      return;
    }
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    void defaultJson(request, text, done);
  });
}
