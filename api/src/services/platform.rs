//! The platform as the operator sees it: the phones that called but no account registered
//! (and placing them in an account), and the platform's figures.

use rcs_shared::{
    AddPhones, AssignUnknownPhones, AssignedPhones, DailyContacts, PlatformSummary, RefusalCount,
    UnknownPhone, UnknownPhonePage,
};

use crate::db::operator_audit::{self, OperatorEntry};
use crate::db::summary::{utc_date, DAY, DAYS};
use crate::db::{accounts, now, platform, rfc3339, Db};
use crate::error::{Error, Result};
use crate::services::operators::OperatorActor;
use crate::services::phones;
use crate::services::Actor;
use crate::webhooks::Outbox;

/// Unknown phones per page when the caller does not say; at most 500.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 500;

fn invalid_cursor() -> Error {
    Error::bad_request("invalid_cursor", "The cursor is not one this list gave.")
}

/// A page of unknown phones, the most recent contact first. `cursor` is the `next_cursor`
/// of the previous page (400 `invalid_cursor` otherwise); `limit` 1 to 500 (422
/// `invalid_limit`).
pub async fn unknown_phones(
    db: &Db,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<UnknownPhonePage> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::unprocessable(
            "invalid_limit",
            format!("limit must be 1 to {MAX_LIMIT}."),
        ));
    }
    let offset = match cursor {
        None => 0,
        Some(c) => c
            .strip_prefix("o")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| (0..=i64::from(u32::MAX)).contains(n))
            .ok_or_else(invalid_cursor)?,
    };
    let rows = platform::unknown_page(db, limit + 1, offset).await?;
    let total = platform::unknown_count(&db.pool).await?;
    let more = rows.len() as i64 > limit;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| UnknownPhone {
            issuer: row.issuer(),
            mac: row.mac,
            first_contact: rfc3339(row.first_at),
            last_contact: rfc3339(row.last_at),
            contacts: row.contacts,
            model: row.model,
        })
        .collect();
    Ok(UnknownPhonePage {
        items,
        total,
        next_cursor: more.then(|| format!("o{}", offset + limit)),
    })
}

/// Registers unknown phones (or any MACs nobody holds) in an account, all or nothing: the
/// account's quota applies, and a MAC another account holds refuses the whole list (422
/// `invalid_phones`, every such MAC named), as when its staff add phones. The account's trail
/// records its `phone.add` by the operator, the operator trail the assignment, in the one
/// transaction; the account's webhooks hear `phones.added`.
pub async fn assign(
    db: &Db,
    outbox: &Outbox,
    operator: &OperatorActor,
    req: AssignUnknownPhones,
) -> Result<AssignedPhones> {
    let mut tx = db.begin_write().await?;
    // Locked before it is read: a deletion in flight commits first and the account is not
    // found (404), or waits for the assignment. Read unlocked, an account deleted meanwhile
    // was found gone only by the phones' own lock, whose 401 (meant for staff whose account
    // is gone) told the operator their own session had ended.
    let locked = accounts::lock_for_phones(&mut *tx, req.account_id).await?;
    let account = match locked {
        true => accounts::console_find(&mut *tx, req.account_id).await?,
        false => None,
    }
    .ok_or_else(|| Error::not_found("account_not_found", "There is no such account."))?;
    let actor = Actor {
        account_id: account.id,
        user_id: None,
        role: rcs_shared::Role::SuperUser,
        name: format!("operator {}", operator.name),
        session_id: None,
    };
    let add = AddPhones {
        macs: req.macs,
        server_id: None,
        branding_id: None,
        firmware: None,
        skip_invalid: false,
    };
    let (result, queued) = phones::register_in(&mut tx, outbox, &actor, add).await?;
    let target = format!("{} phones", result.added + result.updated);
    let detail = format!(
        "assigned to {}: added {}, already there {}",
        account.name, result.added, result.updated
    );
    let entry = OperatorEntry {
        action: "phones.assign",
        account: Some((account.id, &account.name)),
        target: &target,
        detail: &detail,
    };
    operator_audit::record_only(&mut tx, operator.author(), entry).await?;
    tx.commit().await?;
    phones::committed(outbox, queued);
    Ok(AssignedPhones {
        assigned: i64::try_from(result.added + result.updated).unwrap_or(i64::MAX),
    })
}

/// The platform's figures: accounts, phones, unknown phones, releases, contacts per day for
/// the last 30 days across every account, and the refusals of those days by reason.
pub async fn summary(db: &Db) -> Result<PlatformSummary> {
    let now = now();
    let counts = platform::counts(db).await?;
    let unknown_phones = platform::unknown_count(&db.pool).await?;
    let first_day = now.div_euclid(DAY) * DAY - (DAYS - 1) * DAY;
    let mut days = vec![(0i64, 0i64); DAYS as usize];
    for (day, n, refused) in platform::boots_per_day(db, first_day).await? {
        if let Some(slot) = usize::try_from(day).ok().and_then(|d| days.get_mut(d)) {
            *slot = (n, refused);
        }
    }
    let boots_per_day = days
        .into_iter()
        .enumerate()
        .map(|(i, (contacts, refused))| DailyContacts {
            date: utc_date(first_day + i as i64 * DAY),
            contacts,
            refused,
        })
        .collect();
    let refusals = platform::refusals(db, first_day)
        .await?
        .into_iter()
        .map(|(reason, count)| RefusalCount { reason, count })
        .collect();
    Ok(PlatformSummary {
        accounts: counts.accounts,
        suspended_accounts: counts.suspended_accounts,
        phones: counts.phones,
        unknown_phones,
        firmware_releases: counts.firmware_releases,
        boots_per_day,
        refusals,
    })
}
