//! Pieces shared by several pages.

pub mod contacts_chart;
pub mod counter;
pub mod dialog;
pub mod errors;
pub mod layout;
pub mod options;
pub mod second_factor;
