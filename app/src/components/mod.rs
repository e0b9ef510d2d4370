//! Widgets shared by several screens.

pub mod form;
pub mod loaded;
pub mod shell;
pub mod table;
