"""School-leaving certificates: final marks, honours and medals, lifecycle, blanks, book."""
