//! Widgets shared by several screens.

pub mod form;
pub mod shell;
pub mod table;
