"""The demo market's shape: categories, attributes, merchants and product templates.

Everything is generated locally and deterministically (a seeded random
generator), so two runs produce the same market.
"""

from dataclasses import dataclass, field

PASSWORD = "jishi-demo-2026"


@dataclass(frozen=True)
class Leaf:
    name: str
    name_en: str
    slug: str
    merchant: str
    nouns: list[str]
    english: list[str]
    price: tuple[int, int]  # yuan, inclusive range
    options: dict[str, list[str]] = field(default_factory=dict)
    attributes: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Branch:
    name: str
    name_en: str
    slug: str
    leaves: list[Leaf]
    attributes: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # code → (name, choices)


@dataclass(frozen=True)
class Root:
    name: str
    name_en: str
    slug: str
    color: tuple[int, int, int]
    branches: list[Branch]


MERCHANTS = [
    # (name, kind, city, owner phone, description)
    ("萌宠之家", "pet_shop", "杭州", "13800000002", "猫粮狗粮、猫砂玩具，十年老店。"),
    ("金毛犬舍", "breeder", "成都", "13800000003", "专注金毛与拉布拉多繁育，血统可查。"),
    ("鲜品超市", "shop", "上海", "13800000004", "粮油副食、休闲零食，产地直采。"),
    ("数码优选", "brand", "深圳", "13800000005", "正品行货，全国联保。"),
    ("潮流衣橱", "shop", "广州", "13800000006", "四季服饰，七天无理由。"),
    ("山野茶园", "shop", "福州", "13800000007", "武夷岩茶、福鼎白茶，茶园直发。"),
]

WEIGHTS = ["1.5kg", "2kg", "5.4kg"]
COLOURS = ["黑色", "白色", "灰色"]
SIZES = ["S", "M", "L", "XL"]

MARKET = [
    Root(
        "宠物",
        "Pets",
        "pets",
        (244, 162, 97),
        [
            Branch(
                "宠物食品",
                "Pet food",
                "pet-food",
                [
                    Leaf(
                        "猫粮",
                        "Cat food",
                        "cat-food",
                        "萌宠之家",
                        ["无谷猫粮", "全价猫粮", "鱼肉猫粮", "鸡肉冻干猫粮"],
                        ["Grain-free cat food", "Complete cat food", "Fish cat food", "Freeze-dried cat food"],
                        (59, 499),
                        {"规格": WEIGHTS},
                        {"age": ["幼猫", "成猫", "全阶段"]},
                    ),
                    Leaf(
                        "狗粮",
                        "Dog food",
                        "dog-food",
                        "金毛犬舍",
                        ["成犬狗粮", "幼犬狗粮", "牛肉狗粮", "低敏狗粮"],
                        ["Adult dog food", "Puppy food", "Beef dog food", "Hypoallergenic dog food"],
                        (49, 399),
                        {"规格": WEIGHTS},
                        {"age": ["幼犬", "成犬", "全阶段"]},
                    ),
                    Leaf(
                        "冻干零食",
                        "Freeze-dried treats",
                        "freeze-dried-treats",
                        "萌宠之家",
                        ["鸡胸肉冻干", "三文鱼冻干", "鹌鹑冻干"],
                        ["Chicken treats", "Salmon treats", "Quail treats"],
                        (19, 129),
                    ),
                ],
                {"brand": ("品牌", ["渴望", "爱肯拿", "皇家", "网易严选", "麦富迪"])},
            ),
            Branch(
                "宠物用品",
                "Pet supplies",
                "pet-supplies",
                [
                    Leaf(
                        "猫砂",
                        "Cat litter",
                        "cat-litter",
                        "萌宠之家",
                        ["豆腐猫砂", "膨润土猫砂", "混合猫砂"],
                        ["Tofu cat litter", "Bentonite litter", "Mixed litter"],
                        (29, 99),
                    ),
                    Leaf(
                        "玩具",
                        "Toys",
                        "pet-toys",
                        "金毛犬舍",
                        ["逗猫棒", "猫抓板", "磨牙绳结", "发声球"],
                        ["Cat wand", "Scratching board", "Rope chew toy", "Squeaky ball"],
                        (9, 89),
                        {"颜色": ["红色", "蓝色"]},
                    ),
                ],
                {"brand": ("品牌", ["小佩", "霍曼", "多格漫"])},
            ),
        ],
    ),
    Root(
        "食品生鲜",
        "Groceries",
        "groceries",
        (106, 176, 76),
        [
            Branch(
                "粮油调味",
                "Staples",
                "staples",
                [
                    Leaf(
                        "大米",
                        "Rice",
                        "rice",
                        "鲜品超市",
                        ["东北大米", "五常稻花香大米", "泰国香米"],
                        ["Northeast rice", "Wuchang rice", "Thai jasmine rice"],
                        (29, 139),
                        {"规格": ["2.5kg", "5kg", "10kg"]},
                    ),
                    Leaf(
                        "食用油",
                        "Cooking oil",
                        "cooking-oil",
                        "鲜品超市",
                        ["压榨花生油", "橄榄油", "菜籽油"],
                        ["Peanut oil", "Olive oil", "Rapeseed oil"],
                        (39, 199),
                    ),
                ],
                {"origin": ("产地", ["黑龙江", "山东", "西班牙", "泰国"])},
            ),
            Branch(
                "休闲零食",
                "Snacks",
                "snacks",
                [
                    Leaf(
                        "坚果",
                        "Nuts",
                        "nuts",
                        "鲜品超市",
                        ["每日坚果", "夏威夷果", "碧根果", "开心果"],
                        ["Daily nuts", "Macadamia nuts", "Pecans", "Pistachios"],
                        (25, 159),
                        {"规格": ["250g", "500g"]},
                    ),
                    Leaf(
                        "饼干",
                        "Biscuits",
                        "biscuits",
                        "鲜品超市",
                        ["苏打饼干", "黄油曲奇", "全麦饼干"],
                        ["Soda crackers", "Butter cookies", "Wholewheat biscuits"],
                        (9, 69),
                    ),
                ],
                {"origin": ("产地", ["新疆", "云南", "美国", "澳大利亚"])},
            ),
            Branch(
                "茶饮冲调",
                "Tea and coffee",
                "tea-coffee",
                [
                    Leaf(
                        "茶叶",
                        "Tea",
                        "tea",
                        "山野茶园",
                        ["武夷岩茶大红袍", "福鼎白茶", "西湖龙井", "安溪铁观音"],
                        ["Da Hong Pao tea", "Fuding white tea", "Longjing green tea", "Tieguanyin oolong"],
                        (68, 888),
                        {"规格": ["100g", "250g"]},
                    ),
                    Leaf(
                        "咖啡",
                        "Coffee",
                        "coffee",
                        "鲜品超市",
                        ["挂耳咖啡", "咖啡豆", "冻干速溶咖啡"],
                        ["Drip bag coffee", "Coffee beans", "Instant coffee"],
                        (29, 199),
                    ),
                ],
                {"origin": ("产地", ["福建", "浙江", "云南", "埃塞俄比亚"])},
            ),
        ],
    ),
    Root(
        "数码电子",
        "Electronics",
        "electronics",
        (77, 144, 226),
        [
            Branch(
                "手机通讯",
                "Phones",
                "phones",
                [
                    Leaf(
                        "手机",
                        "Mobile phones",
                        "mobile-phones",
                        "数码优选",
                        ["5G 智能手机", "拍照手机", "游戏手机"],
                        ["5G smartphone", "Camera phone", "Gaming phone"],
                        (999, 6999),
                        {"颜色": COLOURS[:2], "存储": ["128GB", "256GB"]},
                    ),
                    Leaf(
                        "充电宝",
                        "Power banks",
                        "power-banks",
                        "数码优选",
                        ["快充充电宝", "磁吸充电宝"],
                        ["Fast-charging power bank", "Magnetic power bank"],
                        (59, 299),
                        {"容量": ["10000mAh", "20000mAh"]},
                    ),
                ],
                {"brand": ("品牌", ["华为", "小米", "OPPO", "vivo", "荣耀"])},
            ),
            Branch(
                "影音",
                "Audio",
                "audio",
                [
                    Leaf(
                        "耳机",
                        "Headphones",
                        "headphones",
                        "数码优选",
                        ["蓝牙耳机", "降噪耳机", "运动耳机"],
                        ["Bluetooth earbuds", "Noise-cancelling headphones", "Sports earphones"],
                        (99, 1999),
                        {"颜色": COLOURS[:2]},
                    ),
                    Leaf(
                        "音箱",
                        "Speakers",
                        "speakers",
                        "数码优选",
                        ["智能音箱", "便携蓝牙音箱"],
                        ["Smart speaker", "Portable Bluetooth speaker"],
                        (99, 999),
                    ),
                ],
                {"brand": ("品牌", ["索尼", "漫步者", "小米", "Bose"])},
            ),
            Branch(
                "电脑办公",
                "Computers",
                "computers",
                [
                    Leaf(
                        "键盘",
                        "Keyboards",
                        "keyboards",
                        "数码优选",
                        ["机械键盘", "无线键盘"],
                        ["Mechanical keyboard", "Wireless keyboard"],
                        (99, 899),
                        {"轴体": ["红轴", "茶轴", "青轴"]},
                    ),
                    Leaf(
                        "显示器",
                        "Monitors",
                        "monitors",
                        "数码优选",
                        ["27 英寸 4K 显示器", "24 英寸办公显示器"],
                        ["27-inch 4K monitor", "24-inch office monitor"],
                        (699, 3999),
                    ),
                ],
                {"brand": ("品牌", ["罗技", "戴尔", "联想", "AOC"])},
            ),
        ],
    ),
    Root(
        "服装",
        "Clothing",
        "clothing",
        (155, 89, 182),
        [
            Branch(
                "男装",
                "Menswear",
                "menswear",
                [
                    Leaf(
                        "卫衣",
                        "Hoodies",
                        "hoodies",
                        "潮流衣橱",
                        ["纯棉卫衣", "连帽卫衣", "加绒卫衣"],
                        ["Cotton sweatshirt", "Hooded sweatshirt", "Fleece hoodie"],
                        (89, 399),
                        {"颜色": COLOURS, "尺码": SIZES},
                    ),
                    Leaf(
                        "T恤",
                        "T-shirts",
                        "t-shirts",
                        "潮流衣橱",
                        ["纯棉短袖T恤", "速干T恤"],
                        ["Cotton T-shirt", "Quick-dry T-shirt"],
                        (39, 199),
                        {"颜色": COLOURS[:2], "尺码": SIZES},
                    ),
                ],
                {"material": ("面料", ["纯棉", "涤纶", "羊毛", "混纺"])},
            ),
            Branch(
                "女装",
                "Womenswear",
                "womenswear",
                [
                    Leaf(
                        "连衣裙",
                        "Dresses",
                        "dresses",
                        "潮流衣橱",
                        ["碎花连衣裙", "针织连衣裙"],
                        ["Floral dress", "Knit dress"],
                        (129, 699),
                        {"尺码": SIZES[:3]},
                    ),
                    Leaf(
                        "羽绒服",
                        "Down jackets",
                        "down-jackets",
                        "潮流衣橱",
                        ["轻薄羽绒服", "长款羽绒服"],
                        ["Light down jacket", "Long down coat"],
                        (299, 1599),
                        {"颜色": COLOURS[:2], "尺码": SIZES[:3]},
                    ),
                ],
                {"material": ("面料", ["纯棉", "涤纶", "羊毛", "混纺"])},
            ),
            Branch(
                "鞋靴",
                "Shoes",
                "shoes",
                [
                    Leaf(
                        "运动鞋",
                        "Sneakers",
                        "sneakers",
                        "潮流衣橱",
                        ["跑步鞋", "板鞋", "帆布鞋"],
                        ["Running shoes", "Skate shoes", "Canvas shoes"],
                        (99, 899),
                        {"尺码": ["39", "40", "41", "42"]},
                    ),
                ],
                {"material": ("面料", ["网布", "皮革", "帆布"])},
            ),
        ],
    ),
]
