// `Expect: 100-continue` (RFC 9110 §10.1.1): a client asks before sending its body. Node answers
// `100 Continue` to every such request by itself, so a client announcing a body over the limit is
// invited to send it all and only then refused, and a client that waits for a final answer before
// sending gets none. Here the announced length is checked first: over the limit, the final `413`
// is sent at once (the body is never read, the connection closed); otherwise `100 Continue` and the
// request goes to Fastify as usual.
import { type FastifyInstance } from 'fastify';

/** Installs the check on `app`'s HTTP server. `limit` in bytes (the app's body limit). */
export function answerExpectContinue(app: FastifyInstance, limit: number): void {
  app.server.on('checkContinue', (req, res) => {
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > limit) {
      const body = JSON.stringify({
        error: 'payload-too-large',
        message: `request body of ${length} bytes is over the limit of ${limit} bytes`,
      });
      res.writeHead(413, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      res.end(body);
      return;
    }
    res.writeContinue();
    app.server.emit('request', req, res);
  });
}
