"""Rules about people's personal data shared by every area: SNILS, names, documents."""
