//! The device directory: the answers a node has looked up for phones, kept in memory so that
//! a phone asking again costs no query. A kept-alive connection asks again and again, a
//! native boot fetches three or four files one after another, and after a power cut a whole
//! site boots twice (once more after its firmware switch); without the directory each of
//! those was a round trip to the database, which on PostgreSQL also costs the database's own
//! CPU on every request.
//!
//! Correctness comes from what is *not* kept and from when everything is dropped:
//! - Only found phones are kept. A MAC registered a moment ago, on this node or another, is
//!   looked up on its first contact like any other miss.
//! - Every change that can alter an answer drops the whole directory: a write through the
//!   API drops it on its node at once (`crate::middleware::device_answers_follow_changes`)
//!   and moves the database's directory version on; every node follows that version
//!   ([`follow`], twice a second) and drops its own when it moves, so a change made on
//!   another node, or with the `rcs` command line, reaches its phones within a second.
//! - A lookup that started before a drop is not kept after it (the generation check), so a
//!   slow lookup cannot put back an answer older than the change.
//! - The release a phone last said it runs changes with every boot and is not the
//!   directory's to keep: the one place that reads it (a Poly Updater request that does
//!   not say its release) reads it from the database.
//!
//! While the database cannot be read the directory is empty: it is dropped within a second of
//! the database going away, and phones are answered 503 as before, not from memory that can
//! no longer be checked.
//!
//! The directory is bounded (`device_cache_entries`); when it is full it starts again empty,
//! which costs one lookup per phone, as if it were off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::db::device::{self, DevicePhone};
use crate::db::{settings, Db};

/// How often each node reads the database's directory version.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);

/// The device answers one node keeps; see the module documentation.
pub struct Directory {
    capacity: usize,
    entries: RwLock<Entries>,
    /// The newest database directory version this node has seen.
    seen: Mutex<Option<i64>>,
}

#[derive(Default)]
struct Entries {
    /// Moves on with every drop.
    generation: u64,
    /// By MAC and reported model (the model picks the firmware image).
    phones: HashMap<String, Arc<DevicePhone>>,
}

fn key(mac: &str, model: Option<&str>) -> String {
    match model {
        Some(model) => format!("{mac}/{model}"),
        None => mac.to_string(),
    }
}

impl Directory {
    /// A directory of at most `capacity` answers; 0: every lookup goes to the database.
    pub fn new(capacity: usize) -> Directory {
        Directory {
            capacity,
            entries: RwLock::default(),
            seen: Mutex::default(),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The registered phone with `mac` as a phone of `model` sees it: from memory when this
    /// node looked it up since the last change, otherwise from the database (and then kept).
    pub async fn lookup(
        &self,
        db: &Db,
        mac: &str,
        model: Option<&str>,
    ) -> sqlx::Result<Option<Arc<DevicePhone>>> {
        if self.capacity == 0 {
            return Ok(device::lookup(db, mac, model).await?.map(Arc::new));
        }
        let key = key(mac, model);
        let generation = {
            let entries = self.read();
            if let Some(phone) = entries.phones.get(&key) {
                return Ok(Some(phone.clone()));
            }
            entries.generation
        };
        let found = device::lookup(db, mac, model).await?.map(Arc::new);
        if let Some(phone) = &found {
            let mut entries = self.write();
            if entries.generation == generation {
                if entries.phones.len() >= self.capacity {
                    entries.phones = HashMap::new();
                }
                entries.phones.insert(key, phone.clone());
            }
        }
        Ok(found)
    }

    /// Answers kept now.
    pub fn len(&self) -> usize {
        self.read().phones.len()
    }

    /// True when no answer is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every kept answer (and the memory they took).
    pub fn clear(&self) {
        let mut entries = self.write();
        entries.generation += 1;
        entries.phones = HashMap::new();
    }

    /// After a change was committed on this node: moves the database's version on for the
    /// other nodes, then drops this node's answers (after the move, so that an answer kept
    /// while another node's change was committing goes too). A failure to move the version
    /// is logged: the other nodes then see the change with the next one.
    pub async fn changed(&self, db: &Db) {
        match settings::bump_directory_version(db).await {
            Ok(version) => {
                self.saw(version);
            }
            Err(e) => tracing::warn!(error = %e, "cannot tell the other nodes about a change"),
        }
        self.clear();
    }

    /// Notes `version` as seen; true when it is newer than the last seen (versions only
    /// grow, so an older reading that arrives late changes nothing).
    fn saw(&self, version: i64) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let newer = seen.is_none_or(|s| version > s);
        if newer {
            *seen = Some(version);
        }
        newer
    }

    /// Reads the database's version and drops every answer when it moved on since the last
    /// look (the first look only notes it).
    pub async fn follow_once(&self, db: &Db) -> sqlx::Result<()> {
        let version = settings::directory_version(db).await?;
        let first = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none();
        if self.saw(version) && !first {
            self.clear();
        }
        Ok(())
    }
}

/// Keeps `directory` in step with changes made elsewhere (other nodes, the command line),
/// for the life of the node.
pub async fn follow(db: Db, directory: Arc<Directory>) {
    if directory.capacity == 0 {
        return;
    }
    let mut tick = tokio::time::interval(FOLLOW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // A database that does not answer within the period is as good as gone: whether
        // something changed is then unknown, so the directory starts again empty and every
        // answer needs the database (503 while it is away) until it answers again.
        match tokio::time::timeout(FOLLOW_EVERY, directory.follow_once(&db)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                directory.clear();
                tracing::debug!(error = %e, "cannot read the device directory's version");
            }
            Err(_) => {
                directory.clear();
                tracing::debug!("the device directory's version did not come in time");
            }
        }
    }
}
