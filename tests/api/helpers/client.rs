//! The typed client, in zero2prod's manner: each route's path is written once (in [`routes`])
//! and the calls many stories make (an account's admin, a server, a branding, phones) are
//! one method each, so a story reads as what it does and a moved route is fixed here.

use rcs_shared::{Branding, Server, User};
use serde_json::{json, Value};

use super::app::{TestApp, PASSWORD};

/// Every API path the stories call, written once.
pub mod routes {
    use std::fmt::Display;

    pub const LOGIN: &str = "/api/v1/auth/login";
    pub const LOGOUT: &str = "/api/v1/auth/logout";
    pub const PASSWORD_RESET: &str = "/api/v1/auth/password-reset";
    pub const PASSWORD_RESET_CONFIRM: &str = "/api/v1/auth/password-reset/confirm";
    pub const LOGIN_SECOND_FACTOR: &str = "/api/v1/auth/login/second-factor";
    pub const LOGIN_ENROLMENT: &str = "/api/v1/auth/login/enrolment";
    pub const LOGIN_ENROLMENT_CONFIRM: &str = "/api/v1/auth/login/enrolment/confirm";
    pub const ME: &str = "/api/v1/me";
    pub const MY_SECOND_FACTOR: &str = "/api/v1/me/second-factor";
    pub const MY_SECOND_FACTOR_CONFIRM: &str = "/api/v1/me/second-factor/confirm";
    pub const MY_SECOND_FACTOR_DISABLE: &str = "/api/v1/me/second-factor/disable";
    pub const ACCOUNT: &str = "/api/v1/account";
    pub const MY_PASSWORD: &str = "/api/v1/me/password";
    pub const SUMMARY: &str = "/api/v1/summary";
    pub const AUDIT: &str = "/api/v1/audit";
    pub const FIRMWARE: &str = "/api/v1/firmware";
    pub const SERVERS: &str = "/api/v1/servers";
    pub const BRANDINGS: &str = "/api/v1/brandings";
    pub const USERS: &str = "/api/v1/users";
    pub const PHONES: &str = "/api/v1/phones";
    pub const PHONES_IMPORT: &str = "/api/v1/phones/import";
    pub const PHONES_EXPORT: &str = "/api/v1/phones/export";
    pub const PHONES_DELETE: &str = "/api/v1/phones/delete";

    pub fn server(id: impl Display) -> String {
        format!("{SERVERS}/{id}")
    }

    pub fn branding(id: impl Display) -> String {
        format!("{BRANDINGS}/{id}")
    }

    pub fn branding_file(id: impl Display, name: impl Display) -> String {
        format!("{BRANDINGS}/{id}/files/{name}")
    }

    pub fn user(id: impl Display) -> String {
        format!("{USERS}/{id}")
    }

    pub fn user_second_factor(id: impl Display) -> String {
        format!("{USERS}/{id}/second-factor")
    }

    pub fn phone(mac: impl Display) -> String {
        format!("{PHONES}/{mac}")
    }

    pub fn phone_events(mac: impl Display) -> String {
        format!("{PHONES}/{mac}/events")
    }
}

impl TestApp {
    /// An account named `account` with the Super User `admin@<account>.example`, logged in:
    /// its id and the Super User's token.
    pub async fn admin_of(&self, account: &str) -> (i64, String) {
        let email = format!("admin@{}.example", account.to_lowercase());
        let (account_id, _) = self.create_account(account, &email).await;
        (account_id, self.token(&email).await)
    }

    /// `POST /api/v1/servers`, checked to be created.
    pub async fn create_server(&self, token: &str, name: &str, url: &str) -> Server {
        let body = json!({"name": name, "url": url});
        let response = self.post(routes::SERVERS, token, &body).await;
        assert_eq!(response.status(), 201, "create server {name}");
        response.json().await.unwrap()
    }

    /// `POST /api/v1/brandings`, checked to be created.
    pub async fn create_branding(&self, token: &str, name: &str, is_default: bool) -> Branding {
        let body = json!({"name": name, "is_default": is_default});
        let response = self.post(routes::BRANDINGS, token, &body).await;
        assert_eq!(response.status(), 201, "create branding {name}");
        response.json().await.unwrap()
    }

    /// `GET /api/v1/brandings/{id}`, checked to be found.
    pub async fn branding(&self, token: &str, id: i64) -> Branding {
        let response = self.get(&routes::branding(id), token).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// `PUT /api/v1/brandings/{id}/files/{name}` with `bytes` (and a content type if given).
    pub async fn put_branding_file(
        &self,
        token: &str,
        id: i64,
        name: &str,
        content_type: Option<&str>,
        bytes: &[u8],
    ) -> reqwest::Response {
        let url = self.url(&routes::branding_file(id, name));
        let mut request = self.client.put(url).bearer_auth(token).body(bytes.to_vec());
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request.send().await.expect("request sent")
    }

    /// `POST /api/v1/users` with the test password and the name "Sam", checked to be created.
    pub async fn create_user(&self, token: &str, email: &str, role: &str) -> User {
        let body = json!({"email": email, "password": PASSWORD, "role": role, "name": "Sam"});
        let response = self.post(routes::USERS, token, &body).await;
        assert_eq!(response.status(), 201, "create {email}");
        response.json().await.unwrap()
    }

    /// `POST /api/v1/phones` with `body` (`{"macs": [...], ...}`); the answer unchecked.
    pub async fn register_phones(&self, token: &str, body: &Value) -> reqwest::Response {
        self.post(routes::PHONES, token, body).await
    }

    /// `POST /api/v1/phones/import` of `csv` as `text/csv`, with `query` (`dry_run=true`, or
    /// empty); the answer unchecked.
    pub async fn import_csv(
        &self,
        token: &str,
        query: &str,
        csv: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let path = match query {
            "" => routes::PHONES_IMPORT.to_string(),
            q => format!("{}?{q}", routes::PHONES_IMPORT),
        };
        self.client
            .post(self.url(&path))
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("request sent")
    }
}
