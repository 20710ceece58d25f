//! The library internals the stories reach into (storage functions, the device trust store,
//! the transfer's table list), named once here so that when a path moves in `rcs`, it is
//! fixed in this file and not in every story.

pub use rcs::db::boot_events::{
    prune as prune_boot_events, trim_unattributed as trim_unattributed_boot_events, unknown_macs,
};
pub use rcs::db::brandings::effective_for_phone as effective_branding_for_phone;
pub use rcs::db::{now, Db};
pub use rcs::device::ca::{register as register_device_ca, register_crl as register_device_crl};
pub use rcs::operations::transfer::TABLES as TRANSFER_TABLES;
