//! Talking to the outside world (the rcs API), kept apart from the components that show
//! the results.

pub mod api;
