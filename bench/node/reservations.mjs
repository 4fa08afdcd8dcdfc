// The Node.js 20 equivalent of the reservations function, for the cold-start comparison: the AWS
// SDK v3 DynamoDB client and aws-jwt-verify doing the same work (JWKS fetch, access-token check,
// revocation read, guest read, reservations query), behind a minimal Lambda Runtime API loop.
import { DynamoDBClient, GetItemCommand, QueryCommand } from "@aws-sdk/client-dynamodb";
import { JwtRsaVerifier } from "aws-jwt-verify";

const env = process.env;
// As the Rust functions configure themselves: Cognito's issuer for the region and pool, the keys
// from the Cognito endpoint the SDK is pointed at (the local stand-in).
const issuer = `https://cognito-idp.${env.AWS_REGION}.amazonaws.com/${env.USER_POOL_ID}`;
const jwksUri = `${env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER}/${env.USER_POOL_ID}/.well-known/jwks.json`;
const clientId = env.USER_POOL_CLIENT_ID;
const ddb = new DynamoDBClient({ endpoint: env.AWS_ENDPOINT_URL_DYNAMODB });
const verifier = JwtRsaVerifier.create({
  issuer,
  audience: null,
  jwksUri,
  customJwtCheck: ({ payload }) => {
    if (payload.token_use !== "access" || payload.client_id !== clientId) throw new Error("not an access token of this client");
  },
});
let jwksLoaded = false;

async function handler(event, clientContext) {
  const header = clientContext?.custom?.bedrockAgentCorePropagatedHeaders?.["x-guest-authorization"] ?? "";
  const token = header.replace(/^Bearer\s+/i, "") || event.auth_token;
  if (!jwksLoaded) {
    // aws-jwt-verify fetches over HTTPS only; the local stand-in serves HTTP, so fetch it here.
    verifier.cacheJwks(await (await fetch(jwksUri)).json());
    jwksLoaded = true;
  }
  const claims = await verifier.verify(token);
  const revoked = await ddb.send(new GetItemCommand({
    TableName: env.AUTH_STATE_TABLE, Key: { pk: { S: `REVOKED#${claims.origin_jti}` } }, ConsistentRead: true,
  }));
  if (revoked.Item) return { success: false, error_code: "INVALID_TOKEN" };
  const guest = await ddb.send(new GetItemCommand({ TableName: env.GUESTS_TABLE, Key: { pk: { S: `SUB#${claims.sub}` } } }));
  const rows = await ddb.send(new QueryCommand({
    TableName: env.RESERVATIONS_TABLE, KeyConditionExpression: "cognito_sub = :sub",
    ExpressionAttributeValues: { ":sub": { S: claims.sub } }, ScanIndexForward: false, Limit: 100,
  }));
  return {
    success: true,
    guest_id: guest.Item?.guest_id?.S ?? null,
    reservations: (rows.Items ?? []).map((i) => ({ reservation_id: i.reservation_id.S, property_name: i.property_name.S, check_in: i.check_in.S, check_out: i.check_out.S, status: i.status.S })),
  };
}

const base = `http://${env.AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime`;
for (;;) {
  const next = await fetch(`${base}/invocation/next`);
  const id = next.headers.get("lambda-runtime-aws-request-id");
  const rawContext = next.headers.get("lambda-runtime-client-context");
  const event = await next.json();
  try {
    const result = await handler(event, rawContext ? JSON.parse(rawContext) : undefined);
    await fetch(`${base}/invocation/${id}/response`, { method: "POST", body: JSON.stringify(result) });
  } catch (e) {
    await fetch(`${base}/invocation/${id}/error`, { method: "POST", body: JSON.stringify({ errorType: e.name, errorMessage: e.message }) });
  }
}
