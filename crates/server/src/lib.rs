//! Tỉnh Số: the digital-government platform server.
//!
//! Layout: `auth` (who is asking and what they may do), `audit`, `jobs`, `mail`, `db` and
//! `storage` are the platform; `accounts`, `agencies` and `admin` are domain modules, each
//! with pure rules separate from its storage and HTTP handlers; `web` renders pages and `api`
//! holds the JSON API and its OpenAPI document.

pub mod accounts;
pub mod admin;
pub mod agencies;
pub mod api;
pub mod app;
pub mod audit;
pub mod audit_anchor;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod ctx;
pub mod db;
pub mod demo;
pub mod dossiers;
pub mod error;
pub mod events;
pub mod extract;
pub mod feedback;
pub mod files;
pub mod jobs;
pub mod keys;
pub mod mail;
pub mod module;
pub mod net;
pub mod notify;
pub mod onestop;
pub mod ops;
pub mod payments;
pub mod platform;
pub mod portal;
pub mod settings;
pub mod statistics;
pub mod storage;
pub mod tables;
pub mod time;
pub mod tokens;
pub mod web;
