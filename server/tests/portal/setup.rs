//! First start: the setup link creates one master admin, once, within the hour.

use crate::harness::{Portal, PASSWORD};

fn setup_token(p: &Portal) -> String {
    let link =
        std::fs::read_to_string(p.data.path().join("setup-link.txt")).expect("the setup link file");
    link.trim().rsplit('/').next().unwrap().to_string()
}

#[tokio::test]
async fn the_setup_link_creates_the_first_master_admin_once() {
    let p = Portal::start().await;
    let token = setup_token(&p);
    let form = [
        ("token", token.as_str()),
        ("email", "admin@example.test"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let a = p.call("setup/create_first_admin", None, &form).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let cookie = a.session_cookie().expect("signed in at once");
    let me = p.call("auth/who_am_i", Some(&cookie), &[]).await;
    assert!(me.body.contains("MasterAdmin"), "{}", me.body);
    assert!(
        !p.data.path().join("setup-link.txt").exists(),
        "the link file is gone"
    );

    let again = [
        ("token", token.as_str()),
        ("email", "second@example.test"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    assert_eq!(
        p.call("setup/create_first_admin", None, &again)
            .await
            .status,
        410
    );
    p.stop().await;
}

#[tokio::test]
async fn the_setup_link_expires_after_an_hour() {
    let p = Portal::start().await;
    let token = setup_token(&p);
    p.clock().advance(3600);
    let form = [
        ("token", token.as_str()),
        ("email", "admin@example.test"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    assert_eq!(
        p.call("setup/create_first_admin", None, &form).await.status,
        410
    );
    let page = p.get(&format!("/setup/{token}"), None).await;
    assert_eq!(page.status, 410);
    p.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn the_setup_link_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let p = Portal::start().await;
    let mode = std::fs::metadata(p.data.path().join("setup-link.txt"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    p.stop().await;
}
