//! Every integration test of the platform in one executable (HTTP against SQLite and
//! PostgreSQL): after an edit, one test binary is linked instead of one per file. Run one area
//! with `cargo test -p tinhso --test app dossiers::`. `tests/multinode.rs` stays apart: it starts
//! several server processes.

#[macro_use]
mod common;

mod accounts;
mod architecture;
mod assignment;
mod catalog;
mod citizen;
mod cli;
mod confirmations;
mod deadlines;
mod directory;
mod document_appendices;
mod document_desk_signing;
mod document_dossier;
mod document_flow;
mod document_flow_pages;
mod document_hsm;
mod document_pages;
mod document_remote_signing;
mod document_replace;
mod document_search;
mod document_search_page;
mod document_setup;
mod document_signing;
mod document_texts;
mod documents;
mod dossiers;
mod events;
mod exchange;
mod exchange_arrival;
mod feedback;
mod inbox;
mod integrity;
mod jobs;
mod openapi;
mod opendata;
mod opendata_ckan;
mod opendata_datastore;
mod opendata_dcat;
mod opendata_live;
mod opendata_pages;
mod ops;
mod ops_dashboard;
mod ops_declarations;
mod ops_index;
mod ops_map;
mod ops_reports;
mod ops_sample;
mod payments;
mod permissions;
mod public;
mod search_engines;
mod security;
mod signature_images;
mod signatures;
mod signatures_external;
mod signatures_pki;
mod storage;
mod tasks;
mod tasks_feed;
mod tasks_parts;
mod tasks_ranking;
mod translations;
mod work_file_pages;
mod work_files;
