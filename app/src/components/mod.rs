//! Widgets shared by several screens.

pub mod area_choice;
pub mod ask_first;
pub mod chart;
pub mod confirm;
pub mod copy;
pub mod domain_tabs;
pub mod form;
pub mod live;
pub mod loaded;
pub mod logins;
pub mod mail_access;
pub mod mark_safe;
pub mod paging;
pub mod row_forms;
pub mod sender_fix;
pub mod shell;
pub mod table;
pub mod thresholds;
pub mod ticked;
pub mod transfer;
pub mod verify_domain;
