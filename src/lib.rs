//! dangjian — 社会组织党建工作管理平台.
//!
//! Layers, by path: [`domain`] (pure rules), [`db`] (all SQL, scoped), [`excel`] (the workbook
//! exchange), [`stats`] (the coverage engine), [`web`] (HTTP). See `ARCHITECTURE.md`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod db;
pub mod demo;
pub mod domain;
pub mod excel;
pub mod stats;
pub mod web;
