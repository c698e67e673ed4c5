//! Getting feeds: HTTP ([`fetch`]), bytes to items ([`parse`]), many feeds at once ([`poller`]).

pub mod fetch;
pub mod fulltext;
pub mod parse;
pub mod poller;
