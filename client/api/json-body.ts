// The JSON body parser of the API: Fastify's own (prototype-poisoning safe, size-limited), except
// that an empty body with `content-type: application/json` is read as `{}`. Action endpoints
// (cancel, pause, resume) take optional fields only, and clients such as `curl -X POST -H
// 'content-type: application/json'` send no body at all; Fastify would answer 400 "Body cannot be
// empty". Endpoints that need fields still reject `{}` through their zod schema.
import { type FastifyInstance } from 'fastify';

/** Replaces the `application/json` parser of `app`. Call before routes are registered. */
export function useJsonBodyParser(app: FastifyInstance): void {
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, {});
      return;
    }
    void defaultJson(request, text, done);
  });
}
