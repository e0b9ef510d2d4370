//! API tokens: made in a session and shown once, stored as a hash, used with
//! `Authorization: Bearer` on the admin server functions only, within their areas,
//! write or read-only, domains, networks and expiry; revoked at once. The OpenAPI
//! description lists every admin server function.

use crate::harness::{error_of, ok_json, Caller, Portal};
use app::backend::store::db;
use app::model::Role;
use serde_json::Value;
use sha2::{Digest, Sha256};

async fn tokens(p: &Portal, cookie: &str) -> Value {
    ok_json(&p.call("api-tokens/list", Some(cookie), &[]).await)
}

#[tokio::test]
async fn a_token_is_shown_once_stored_as_a_hash_and_works_until_revoked() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;

    let made = p
        .call(
            "api-tokens/create",
            Some(&boss),
            &[("name", "Nightly export")],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert_eq!(made.cache_control.as_deref(), Some("no-store"));
    let made = ok_json(&made);
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("mpt_") && secret.len() >= 40, "{secret}");
    let prefix = made["token"]["prefix"].as_str().unwrap();
    assert!(secret.starts_with(prefix) && prefix.len() < 16);
    // Stored as its SHA-256, nowhere in clear.
    let (hash, stored_prefix): (String, String) =
        db::query_as("SELECT secret_hash, prefix FROM api_tokens")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    let want: String = Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hash, want);
    assert_eq!(stored_prefix, prefix);
    let listed = tokens(&p, &boss).await;
    assert!(
        !listed.to_string().contains(&secret),
        "listed without its secret"
    );
    let row = &listed["tokens"][0];
    assert_eq!(row["name"], "Nightly export");
    assert_eq!(row["write"], false, "read-only unless asked");
    assert!(row["last_used_at"].is_null());

    // It reads as its admin reads; it changes nothing (read-only).
    let token = Caller::Token(secret.clone());
    let domains = p.call_as("admin/domains", &token, &[]).await;
    assert_eq!(domains.status, 200, "{}", domains.body);
    assert!(domains.body.contains("example.test"));
    let add = p
        .call_as("domains/add", &token, &[("name", "new.test")])
        .await;
    assert_eq!(add.status, 403, "{}", add.body);
    let used = &tokens(&p, &boss).await["tokens"][0];
    assert_eq!(used["last_used_ip"], "127.0.0.1");
    assert!(used["last_used_at"].is_i64());

    // One name once per admin.
    let again = p
        .call(
            "api-tokens/create",
            Some(&boss),
            &[("name", "Nightly export")],
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(error_of(&again)["Invalid"]["field"], "name");

    // Revoked: refused at once, as an unknown token is.
    let id = row["id"].as_i64().unwrap().to_string();
    let revoked = p
        .call("api-tokens/revoke", Some(&boss), &[("id", &id)])
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    assert_eq!(p.call_as("admin/domains", &token, &[]).await.status, 401);
    let unknown = Caller::Token("mpt_not-a-token".into());
    assert_eq!(p.call_as("admin/domains", &unknown, &[]).await.status, 401);
    let actions: Vec<String> =
        db::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'api_token%' ORDER BY id")
            .fetch_all(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(actions, ["api_token_created", "api_token_revoked"]);
    p.stop().await;
}

#[tokio::test]
async fn a_token_reaches_its_areas_its_networks_and_its_last_day_only() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;
    let quarantine = Caller::Token(
        p.api_token(
            &boss,
            &[("name", "q"), ("areas", "quarantine"), ("write", "true")],
        )
        .await,
    );
    assert_eq!(
        p.call_as("quarantine/list", &quarantine, &[]).await.status,
        200
    );
    let other = p
        .call_as("mailboxes/list", &quarantine, &[("domain", "1")])
        .await;
    assert_eq!(other.status, 403, "another area: {}", other.body);

    // Only from its networks; the refusal is on record.
    let elsewhere = Caller::Token(
        p.api_token(&boss, &[("name", "lan"), ("allowed_ips", "10.0.0.0/8")])
            .await,
    );
    assert_eq!(
        p.call_as("admin/domains", &elsewhere, &[]).await.status,
        403
    );
    let here = Caller::Token(
        p.api_token(
            &boss,
            &[("name", "here"), ("allowed_ips", "10.0.0.0/8\n127.0.0.1")],
        )
        .await,
    );
    assert_eq!(p.call_as("admin/domains", &here, &[]).await.status, 200);
    let refusals: i64 = db::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied' AND detail LIKE '%outside its networks%'",
    )
    .fetch_one(&p.backend.pool)
    .await
    .unwrap();
    assert_eq!(refusals, 1);

    // Until the end of its last day (UTC).
    let today = app::model::time::format_utc(p.clock().now())[..10].to_string();
    let ending = Caller::Token(
        p.api_token(&boss, &[("name", "today"), ("expires", &today)])
            .await,
    );
    assert_eq!(p.call_as("admin/domains", &ending, &[]).await.status, 200);
    p.clock().advance(86_400);
    assert_eq!(p.call_as("admin/domains", &ending, &[]).await.status, 401);
    let listed = tokens(&p, &p.sign_in("boss@example.test").await).await;
    let expired: Vec<bool> = listed["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["expired"].as_bool().unwrap())
        .collect();
    assert_eq!(expired, [true, false, false, false], "newest first");
    p.stop().await;
}

#[tokio::test]
async fn tokens_are_for_admin_functions_made_in_a_fresh_session() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    p.add_user("mia@example.test", Role::MailUser).await;
    let boss = p.sign_in("boss@example.test").await;
    let token = Caller::Token(
        p.api_token(&boss, &[("name", "all"), ("write", "true")])
            .await,
    );

    // Not the account functions, and not another token.
    for (endpoint, form) in [
        ("account/summary", vec![]),
        ("account/sessions", vec![]),
        ("api-tokens/list", vec![]),
        ("api-tokens/create", vec![("name", "another")]),
    ] {
        let a = p.call_as(endpoint, &token, &form).await;
        assert_eq!(a.status, 403, "{endpoint}: {}", a.body);
        assert!(a.body.contains("admin functions"), "{endpoint}: {}", a.body);
    }
    // A mail user has no admin rights to hand on.
    let mia = p.sign_in("mia@example.test").await;
    let refused = p
        .call("api-tokens/create", Some(&mia), &[("name", "mine")])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    // A token gets at most what its admin has, and asks for a recent password.
    let bad = p
        .call(
            "api-tokens/create",
            Some(&boss),
            &[("name", "x"), ("domains", "nowhere.test")],
        )
        .await;
    assert_eq!(
        error_of(&bad)["Invalid"]["field"],
        "domains",
        "{}",
        bad.body
    );
    p.clock().advance(11 * 60);
    let stale = p
        .call("api-tokens/create", Some(&boss), &[("name", "late")])
        .await;
    assert_eq!(stale.status, 403);
    assert_eq!(error_of(&stale), "ReauthRequired");
    // A disabled admin's tokens stop with them.
    db::query("UPDATE accounts SET enabled = FALSE WHERE email = 'boss@example.test'")
        .execute(&p.backend.pool)
        .await
        .unwrap();
    assert_eq!(p.call_as("admin/domains", &token, &[]).await.status, 401);
    p.stop().await;
}

/// A form that reads as `endpoint`'s arguments: each required field by its type in the
/// description (the values need not name anything that exists).
fn some_form(doc: &Value, endpoint: &str) -> Vec<(String, String)> {
    let form = &doc["paths"][format!("/api/{endpoint}")]["post"]["requestBody"]["content"]
        ["application/x-www-form-urlencoded"]["schema"];
    let required: Vec<&str> = form["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    required
        .into_iter()
        .map(|name| {
            let field = &form["properties"][name];
            let value = match (field["type"].as_str(), field["enum"].as_array()) {
                (Some("integer"), _) => "1".to_string(),
                (Some("boolean"), _) => "false".to_string(),
                (_, Some(values)) => values[0].as_str().unwrap_or("x").to_string(),
                _ => "x".to_string(),
            };
            (name.to_string(), value)
        })
        .collect()
}

#[tokio::test]
async fn read_only_and_one_area_tokens_are_refused_everywhere_else() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;
    let doc: Value =
        serde_json::from_str(&p.get_with("/api/openapi.json", &[]).await.body).unwrap();
    let read_only = Caller::Token(p.api_token(&boss, &[("name", "read-only")]).await);
    let quarantine = Caller::Token(
        p.api_token(
            &boss,
            &[
                ("name", "quarantine"),
                ("areas", "quarantine"),
                ("write", "true"),
            ],
        )
        .await,
    );
    let mut refused = 0;
    for e in app::api::openapi::endpoints() {
        let form = some_form(&doc, e.path);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if e.need.access == app::model::grant::Access::Write {
            let a = p.call_as(e.path, &read_only, &form).await;
            assert_eq!(a.status, 403, "read-only {}: {}", e.path, a.body);
            refused += 1;
        }
        if e.need.area != app::model::grant::Area::Quarantine {
            let a = p.call_as(e.path, &quarantine, &form).await;
            assert_eq!(a.status, 403, "quarantine-only {}: {}", e.path, a.body);
            refused += 1;
        }
    }
    assert!(refused > 100, "{refused}");
    let denied: i64 =
        db::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'access_denied'")
            .fetch_one(&p.backend.pool)
            .await
            .unwrap();
    assert_eq!(denied, refused as i64, "each refusal is audited");
    p.stop().await;
}

#[tokio::test]
async fn arguments_that_do_not_read_are_400_not_500() {
    let p = Portal::start().await;
    p.add_domain("example.test").await;
    p.add_user("boss@example.test", Role::MasterAdmin).await;
    let boss = p.sign_in("boss@example.test").await;
    for form in [vec![("domain", "abc")], vec![]] {
        let a = p.call("aliases/list", Some(&boss), &form).await;
        assert_eq!(a.status, 400, "{form:?}: {}", a.body);
        assert_eq!(error_of(&a)["Invalid"]["field"], "request");
    }
    p.stop().await;
}

#[tokio::test]
async fn the_openapi_description_lists_every_admin_function_with_its_types() {
    let p = Portal::start().await;
    let a = p.get_with("/api/openapi.json", &[]).await;
    assert_eq!(a.status, 200);
    let doc: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let registered = app::api::openapi::endpoints();
    assert_eq!(paths.len(), registered.len());
    // Every server function is an admin one, in the description, or one of a person's
    // own (their account, signing in): a new admin function cannot be left out.
    let own = [
        "account/",
        "auth/",
        "passkeys/",
        "two_factor/",
        "reset/",
        "setup/",
        "digest-link",
        "my-senders/",
        "api-tokens/",
    ];
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let path = path.trim_start_matches("/api/");
        let admin = registered.iter().any(|e| e.path == path);
        assert!(
            admin || own.iter().any(|o| path.starts_with(o)),
            "{path} is neither described nor a person's own"
        );
    }
    for e in &registered {
        assert!(
            paths.contains_key(&format!("/api/{}", e.path)),
            "{}",
            e.path
        );
    }
    // Each function's form and result, from its own types.
    let list = &doc["paths"]["/api/aliases/list"]["post"];
    assert_eq!(list["x-needs"]["area"], "mailboxes");
    assert_eq!(list["x-needs"]["access"], "read");
    let form = &list["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(form["properties"]["domain"]["type"], "integer");
    assert_eq!(
        form["properties"]["search"]["type"], "string",
        "no null in a form"
    );
    assert_eq!(form["required"], serde_json::json!(["domain"]));
    let result = &list["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(result["$ref"], "#/components/schemas/Aliases");
    // Every reference points at a schema that is there.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(&r);
        assert!(schemas.contains_key(name), "{r} is missing");
    }
    p.stop().await;
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
