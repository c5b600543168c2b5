// Decision-signing keys of this checkout (.rebound/decision-keys/), or a new pair for a deployment.
//   npx tsx scripts/decision-keys.ts list            the keyring (public keys) and the signing key id
//   npx tsx scripts/decision-keys.ts rotate          new signing key; its public key joins the ring
//   npx tsx scripts/decision-keys.ts retire <keyId>  the key stops verifying decisions
//   npx tsx scripts/decision-keys.ts new             print a fresh pair as the two environment values
// After rotate or retire, restart the workers (their bundle carries the keyring); the API re-reads
// its signing key on every decision.
import { randomBytes } from 'node:crypto';
import { publicKeyOf } from '../shared/decisions/signed-decision';
import { loadKeyring, loadSigningKey, retireKey, rotateSigningKey } from '../shared/secrets';

function main(argv: string[]): void {
  const [command, arg] = argv;
  switch (command) {
    case 'list': {
      const signing = loadSigningKey({});
      for (const k of loadKeyring({}).keys)
        console.log(`${k.keyId}  ${k.status}${k.keyId === signing.keyId ? '  (signs)' : ''}  ${k.publicKey}`);
      return;
    }
    case 'rotate':
      console.log(`signing with ${rotateSigningKey()}; restart the workers, then retire the old key`);
      return;
    case 'retire':
      if (!arg) throw new Error('usage: retire <keyId>');
      retireKey(arg);
      console.log(`${arg} retired; restart the workers`);
      return;
    case 'new': {
      const keyId = `k-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
      const privateKey = randomBytes(32).toString('hex');
      console.log(`REBOUND_DECISION_SIGNING_KEY=${keyId}:${privateKey}`);
      console.log(
        `REBOUND_DECISION_KEYRING='${JSON.stringify({ keys: [{ keyId, publicKey: publicKeyOf(privateKey), status: 'active' }] })}'`,
      );
      return;
    }
    default:
      throw new Error('usage: decision-keys.ts list | rotate | retire <keyId> | new');
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
