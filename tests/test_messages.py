from ice287g.core.messages import printable


def test_printable_escapes_every_control_character_and_keeps_accents():
    shown = printable("FY27\nupdate: landed x\r\x00\x1b[2J\u202eBayamón.xlsx")
    assert "\n" not in shown and "\r" not in shown and "\x00" not in shown and "\x1b" not in shown
    assert shown == "FY27\\nupdate: landed x\\r\\x00\\x1b[2J\\u202eBayamón.xlsx"
    assert printable("Condado de Peñuelas, PR") == "Condado de Peñuelas, PR"
