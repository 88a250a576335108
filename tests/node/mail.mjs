// Reads what the service mailed, from the directory the `dir` mail transport writes (the harness
// passes it as LATCHKEY_MAIL_DIR): sign-in codes (booking) and links (verified).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The decoded text parts of every mail to `email`, in delivery order (the transport names files so).
function textsMailedTo(mailDir, email) {
  const texts = [];
  for (const name of readdirSync(mailDir).filter((n) => n.endsWith('.eml')).sort()) {
    const raw = readFileSync(join(mailDir, name), 'latin1');
    if (!raw.includes(`\r\nTo: ${email}\r\n`)) continue;
    const parts = [];
    for (const block of raw.split(/\r\n\r\n/).slice(1)) {
      parts.push(Buffer.from(block.replace(/\r\n--.*$/s, '').replace(/\s+/g, ''), 'base64').toString('utf8'));
    }
    texts.push(parts.join('\n'));
  }
  return texts;
}

// What `pattern` (with one group) finds in each mail to `email`, in delivery order.
function foundInMail(mailDir, email, pattern) {
  const found = [];
  for (const text of textsMailedTo(mailDir, email)) {
    const match = pattern.exec(text);
    if (match) found.push(match[1]);
  }
  return found;
}

// A code (signing in, confirming a new address) in either language the mail speaks (en, es).
export const codesMailedTo = (mailDir, email) =>
  foundInMail(mailDir, email, /(?:sign-in code is|confirmation code is|código de acceso es|código de confirmación es) (\d+)/);
export const linksMailedTo = (mailDir, email) => foundInMail(mailDir, email, /(https?:\/\/[^\s"<>]+)/);

// Call before the request that mails something, await what it returns after: what the first mail
// to `email` delivered since the call carries, waiting for the delivery worker. (Taking the newest
// instead races the worker and can answer with an older one.)
function next(read, mailDir, email) {
  const before = read(mailDir, email).length;
  return async () => {
    for (let i = 0; i < 200; i++) {
      const found = read(mailDir, email);
      if (found.length > before) return found[before];
      await sleep(50);
    }
    throw new Error(`nothing new mailed to ${email}`);
  };
}

export const nextCode = (mailDir, email) => next(codesMailedTo, mailDir, email);
export const nextLink = (mailDir, email) => next(linksMailedTo, mailDir, email);
