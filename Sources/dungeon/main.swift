print("dungeon")
