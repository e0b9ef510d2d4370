//! Widgets shared by several screens.

pub mod confirm;
pub mod copy;
pub mod form;
pub mod loaded;
pub mod mail_access;
pub mod shell;
pub mod table;
