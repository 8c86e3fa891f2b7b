"""Rules of first-grade enrollment: campaign, territory, age, waves, ranking, states."""
