//! The phone stories' fixture: an app with the sample catalog and one account logged in
//! ([`Ctx`]), with the phone calls those stories repeat.

use rcs_shared::{AddPhonesResult, Phone, PhonePage};
use serde_json::Value;

use super::app::{spawn_app, Engine, TestApp};
use super::client::routes;

/// An app with one account logged in.
pub struct Ctx {
    pub app: TestApp,
    pub token: String,
    pub account_id: i64,
}

impl Ctx {
    pub async fn new(engine: Engine) -> Ctx {
        let app = spawn_app(engine).await;
        // Phones can only be pinned to catalog releases: Aastra's 3.3.1.4322 and 4.2.0.181
        // (the MACs here are mostly Aastra's), and Yealink's 66.86.0.15, Snom's 10.1.215.13,
        // Poly's 6.4.6.2100 and Grandstream's 1.0.11.85.
        app.load_sample_firmware().await;
        let (account_id, _) = app.create_account("Acme", "admin@acme.example").await;
        let token = app.token("admin@acme.example").await;
        Ctx {
            app,
            token,
            account_id,
        }
    }

    /// A second account on the same app, with its token.
    pub async fn other_account(&self) -> (i64, String) {
        let (id, _) = self
            .app
            .create_account("Globex", "admin@globex.example")
            .await;
        (id, self.app.token("admin@globex.example").await)
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request sent")
    }

    pub async fn add(&self, token: &str, body: Value) -> reqwest::Response {
        self.app.register_phones(token, &body).await
    }

    pub async fn add_ok(&self, body: Value) -> AddPhonesResult {
        let response = self.add(&self.token, body).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn page(&self, query: &str) -> PhonePage {
        let response = self
            .app
            .get(&format!("{}?{query}", routes::PHONES), &self.token)
            .await;
        assert_eq!(response.status(), 200, "{query}");
        response.json().await.unwrap()
    }

    pub async fn phone(&self, mac: &str) -> Phone {
        let response = self.app.get(&routes::phone(mac), &self.token).await;
        assert_eq!(response.status(), 200, "{mac}");
        response.json().await.unwrap()
    }

    /// Every MAC of the account, walking all pages.
    pub async fn all_macs(&self) -> Vec<String> {
        walk(self, "limit=1000").await
    }

    /// A server of the account, made with SQL (the servers API is built separately).
    pub async fn server(&self, account_id: i64, name: &str) -> i64 {
        sqlx::query_scalar(
            "INSERT INTO servers (account_id, name, url, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING id",
        )
        .bind(account_id)
        .bind(name)
        .bind(format!("https://{name}.example/cfg"))
        .bind(rcs::db::now())
        .fetch_one(&self.app.db.pool)
        .await
        .expect("server inserted")
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }
}

/// The MACs of every page of `query`, following `next_cursor` to the end.
pub async fn walk(ctx: &Ctx, query: &str) -> Vec<String> {
    let mut macs = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_string(),
        };
        let page = ctx.page(&q).await;
        macs.extend(page.items.into_iter().map(|p| p.mac));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return macs,
        }
    }
}

/// `n` distinct valid MACs with a recognisable prefix.
pub fn macs(prefix: u32, n: u32) -> Vec<String> {
    (0..n)
        .map(|i| format!("00{:04X}{:06X}", prefix & 0xFFFF, i))
        .collect()
}
