//! A phone's boot history: every contact the device route recorded, newest first.

use rcs_shared::BootEventPage;

use super::phone_not_found;
use crate::db::{boot_events, phones, Db};
use crate::domain::mac::Mac;
use crate::error::Result;
use crate::services::Actor;

/// A page of at most `limit` events of phone `mac` of the account, older than event
/// `before` (the previous page's cursor) when given; 404 for a phone the account does not
/// have.
pub async fn events(
    db: &Db,
    actor: &Actor,
    mac: &Mac,
    before: Option<i64>,
    limit: i64,
) -> Result<BootEventPage> {
    if phones::find(db, actor.account_id, mac.as_str())
        .await?
        .is_none()
    {
        return Err(phone_not_found(mac));
    }
    // One extra row tells whether an older page exists without a COUNT.
    let mut rows = boot_events::list(db, actor.account_id, mac.as_str(), before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(BootEventPage {
        items: rows.iter().map(|r| r.to_dto()).collect(),
        next_cursor,
    })
}
