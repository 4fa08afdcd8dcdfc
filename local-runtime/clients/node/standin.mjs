// A user of the Cognito stand-in signed in by email code, as the functions sign guests in
// (AdminInitiateAuth USER_AUTH with EMAIL_OTP, the code from the stand-in's inbox): the suites
// need the user pool's tokens to present to the Identity Pool.
const env = process.env

const standin = (target, body) =>
  fetch(env.STANDIN_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify(body),
  }).then((r) => r.json())

/** Cognito's AuthenticationResult for `email` (created when missing). */
export async function authenticate(email) {
  await standin('AdminCreateUser', {
    UserPoolId: env.USER_POOL_ID, Username: email, MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
  })
  const started = await standin('AdminInitiateAuth', {
    UserPoolId: env.USER_POOL_ID, ClientId: env.CLIENT_ID, AuthFlow: 'USER_AUTH',
    AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'EMAIL_OTP' },
  })
  const inbox = await fetch(`${env.STANDIN_URL}/_inbox?email=${encodeURIComponent(email)}`).then((r) => r.json())
  const done = await standin('AdminRespondToAuthChallenge', {
    UserPoolId: env.USER_POOL_ID, ClientId: env.CLIENT_ID, ChallengeName: 'EMAIL_OTP', Session: started.Session,
    ChallengeResponses: { USERNAME: email, EMAIL_OTP_CODE: inbox.messages.at(-1).code },
  })
  return done.AuthenticationResult
}
