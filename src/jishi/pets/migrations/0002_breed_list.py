"""The breed list every install starts with: the species, breeds and synonyms buyers search by, the breeds
city dog rules ban (烈性犬), and the words no pet listing may use. Operators maintain them from here."""

from django.db import migrations

# (code, name, English name, minimum sale age in weeks, mother photo below this many weeks)
SPECIES = [
    ("cat", "猫", "Cat", 8, 16),
    ("dog", "狗", "Dog", 8, 16),
    ("rabbit", "兔", "Rabbit", 8, 0),
]

# (name, English name, synonyms, banned)
BREEDS = {
    "cat": [
        ("布偶猫", "Ragdoll", "布偶,Ragdoll cat", False),
        ("英国短毛猫", "British Shorthair", "英短,英短蓝猫,蓝猫,银渐层,金渐层,BSH", False),
        ("美国短毛猫", "American Shorthair", "美短,美短虎斑", False),
        ("苏格兰折耳猫", "Scottish Fold", "折耳,折耳猫", False),
        ("暹罗猫", "Siamese", "暹罗", False),
        ("波斯猫", "Persian", "波斯", False),
        ("金吉拉猫", "Chinchilla Persian", "金吉拉", False),
        ("异国短毛猫", "Exotic Shorthair", "加菲猫,加菲,异短", False),
        ("缅因猫", "Maine Coon", "缅因", False),
        ("德文卷毛猫", "Devon Rex", "德文,德文猫", False),
        ("斯芬克斯猫", "Sphynx", "无毛猫,斯芬克斯", False),
        ("俄罗斯蓝猫", "Russian Blue", "俄蓝", False),
        ("孟加拉豹猫", "Bengal", "豹猫,孟加拉猫", False),
        ("阿比西尼亚猫", "Abyssinian", "阿比", False),
        ("挪威森林猫", "Norwegian Forest Cat", "挪威森林", False),
        ("中华田园猫", "Chinese Li Hua", "狸花猫,狸花,田园猫,橘猫", False),
    ],
    "dog": [
        ("柯基犬", "Pembroke Welsh Corgi", "柯基,威尔士柯基", False),
        ("柴犬", "Shiba Inu", "柴柴,Shiba", False),
        ("金毛寻回犬", "Golden Retriever", "金毛,金毛犬", False),
        ("拉布拉多寻回犬", "Labrador Retriever", "拉布拉多,拉拉", False),
        ("贵宾犬", "Poodle", "泰迪,泰迪犬,贵宾,玩具贵宾", False),
        ("比熊犬", "Bichon Frise", "比熊", False),
        ("博美犬", "Pomeranian", "博美", False),
        ("萨摩耶犬", "Samoyed", "萨摩耶,萨摩", False),
        ("西伯利亚雪橇犬", "Siberian Husky", "哈士奇,二哈", False),
        ("阿拉斯加雪橇犬", "Alaskan Malamute", "阿拉斯加", False),
        ("边境牧羊犬", "Border Collie", "边牧", False),
        ("德国牧羊犬", "German Shepherd", "德牧,黑背", False),
        ("法国斗牛犬", "French Bulldog", "法斗,法牛", False),
        ("迷你雪纳瑞", "Miniature Schnauzer", "雪纳瑞", False),
        ("吉娃娃", "Chihuahua", "吉娃娃犬", False),
        ("约克夏梗", "Yorkshire Terrier", "约克夏", False),
        ("马尔济斯犬", "Maltese", "马尔济斯,马尔泰", False),
        ("西高地白梗", "West Highland White Terrier", "西高地,西高地梗", False),
        ("巴哥犬", "Pug", "巴哥", False),
        ("中华田园犬", "Chinese Rural Dog", "田园犬,土狗,中华田园", False),
        # Banned for private keeping in most Chinese cities' dog rules (烈性犬): never listed here.
        ("藏獒", "Tibetan Mastiff", "獒犬", True),
        ("比特犬", "American Pit Bull Terrier", "比特,斗牛梗", True),
        ("土佐犬", "Tosa", "土佐", True),
        ("阿根廷杜高犬", "Dogo Argentino", "杜高", True),
        ("巴西菲勒犬", "Fila Brasileiro", "菲勒", True),
    ],
    "rabbit": [
        ("荷兰垂耳兔", "Holland Lop", "垂耳兔", False),
        ("荷兰侏儒兔", "Netherland Dwarf", "侏儒兔,道奇兔", False),
        ("狮子兔", "Lionhead", "狮子头兔", False),
    ],
}

# Wild or protected animals are not for sale; nor are animals sold without quarantine.
BLOCKED_TERMS = ["野生", "野外捕捉", "保护动物", "国家一级", "国家二级", "走私", "免检疫", "无需检疫"]


def load(apps, schema_editor):
    Species = apps.get_model("pets", "Species")
    Breed = apps.get_model("pets", "Breed")
    BlockedTerm = apps.get_model("pets", "BlockedTerm")
    for position, (code, name, name_en, weeks, mother_weeks) in enumerate(SPECIES):
        species = Species.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            min_sale_weeks=weeks,
            mother_photo_below_weeks=mother_weeks,
            position=position,
        )
        Breed.objects.bulk_create(
            Breed(species=species, name=n, name_en=en, synonyms=synonyms, is_banned=banned, position=i)
            for i, (n, en, synonyms, banned) in enumerate(BREEDS[code])
        )
    BlockedTerm.objects.bulk_create(BlockedTerm(term=term) for term in BLOCKED_TERMS)


def unload(apps, schema_editor):
    for model in ("Breed", "Species", "BlockedTerm"):
        apps.get_model("pets", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("pets", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
