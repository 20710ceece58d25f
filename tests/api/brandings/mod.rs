//! Brandings: the logos and files an account's phones receive, and who may change them.

mod files;
mod manage;
