// aws-jwt-verify's verification rate on one core, for the same tokens and JWKS our verifier gets.
// Usage: node jwt-rate.mjs <dir with jwks.json and tokens.json> <seconds>
import { readFileSync } from "node:fs";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const [dir, seconds = "3"] = process.argv.slice(2);
const jwks = JSON.parse(readFileSync(`${dir}/jwks.json`, "utf8"));
const { user_pool_id, client_id, tokens } = JSON.parse(readFileSync(`${dir}/tokens.json`, "utf8"));

const verifier = CognitoJwtVerifier.create({ userPoolId: user_pool_id, tokenUse: "access", clientId: client_id });
verifier.cacheJwks(jwks);

// Every token must verify, and a tampered one must not: otherwise the rate means nothing.
for (const t of tokens) verifier.verifySync(t);
const tampered = tokens[0].slice(0, -4) + (tokens[0].endsWith("AAAA") ? "BBBB" : "AAAA");
try {
  verifier.verifySync(tampered);
  throw new Error("a tampered token verified");
} catch (e) {
  if (e.message === "a tampered token verified") throw e;
}

const run = (budgetMs) => {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(budgetMs * 1e6));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 100; i++) verifier.verifySync(tokens[(n + i) % tokens.length]);
    n += 100;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
};
run(500); // warm up the JIT
console.log(JSON.stringify({ verifier: "aws-jwt-verify", per_second: run(Number(seconds) * 1000) }));
