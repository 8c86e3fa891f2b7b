"""«Запись в 1 класс» (EPGU service 600426): the payload contracts of its versions."""
