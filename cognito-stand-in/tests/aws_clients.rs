//! AWS's own clients against the stand-in, as a user of it would point them: boto3 (pinned in
//! scripts/requirements-local.txt) over every operation it serves, aws-jwt-verify's
//! `CognitoJwtVerifier` on its tokens, Amplify JS v6 in Node through its passwordless sign-in,
//! session, refresh, attribute and sign-out flows, and the same sign-in by Amplify in Debian's
//! Chromium from a page on another origin (all pinned in clients/node/package-lock.json).
//! scripts/test installs them, and Chromium, before `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing suite should panic with its message

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use cognito_stand_in::{Settings, StandIn, serve};

#[tokio::test(flavor = "multi_thread")]
async fn boto3_and_aws_jwt_verify_use_the_stand_in_as_they_use_cognito() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings = Settings::default();
    let standin = Arc::new(StandIn::new(settings.clone(), &base).unwrap());
    let server = tokio::spawn(serve(listener, standin));
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let env = vec![
        ("STANDIN_URL".to_owned(), base.clone()),
        ("POOL_ID".to_owned(), settings.user_pool_id.clone()),
        ("CLIENT_ID".to_owned(), settings.client_id.clone()),
    ];
    // The suites block on their process; the stand-in keeps serving on the runtime's workers.
    let run = |program: PathBuf, args: &'static [&'static str], dir: PathBuf| {
        let env = env.clone();
        tokio::task::spawn_blocking(move || {
            Command::new(program)
                .args(args)
                .current_dir(dir)
                .envs(env)
                .status()
        })
    };

    let boto3 = run(
        root.join(".local/venv/bin/python"),
        &["-m", "unittest", "-v", "test_boto3"],
        clients.join("python"),
    )
    .await
    .unwrap()
    .expect("the boto3 suite runs (scripts/setup-local installs boto3)");
    let node_dir = clients.join("node");
    assert!(
        node_dir.join("node_modules/aws-jwt-verify").is_dir(),
        "aws-jwt-verify is not installed: run `npm ci` in cognito-stand-in/clients/node (scripts/test does)"
    );
    let node = run(PathBuf::from("npm"), &["test", "--silent"], node_dir)
        .await
        .unwrap()
        .expect("the Node suites run");
    server.abort();
    assert!(boto3.success(), "the boto3 suite failed");
    assert!(
        node.success(),
        "the aws-jwt-verify or an Amplify suite (Node, Chromium) failed"
    );
}
